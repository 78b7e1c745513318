import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateRouteCommand,
  CreateStageCommand,
  UpdateApiCommand,
} from "@aws-sdk/client-apigatewayv2";
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { ACCESS_LOG_FORMAT, SIGV4_HEADERS } from "../../../../constructs/http-api";
import { ACCESS_LOG_PREFIX } from "../../../../tools/local-api/access-log";
import { LocalApi, startLocalApi } from "../../../../tools/local-api/api-server";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { createFunction, createProxyIntegration, TRUST_LAMBDA } from "../../../support/proxy-function";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

const run = promisify(execFile);
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
const APP_ORIGIN = "https://app.example.com";
/** The handler answers with a CORS header of its own, which API Gateway must drop when the API has CORS. */
const HANDLER = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json", "access-control-allow-origin": "https://handler.example.com", "x-request-id": event.requestContext.requestId },
  body: JSON.stringify({ routeKey: event.routeKey }),
});`;
/** Requests sent at once against GET /burst, whose bucket holds BURST and refills once every 100 s. */
const BURST = 5;
const SENT = 20;

/**
 * API Gateway's own behaviour in the local API, from an HTTP API deployed with the apigatewayv2 SDK: CORS as the
 * API's configuration says, the stage's throttling, its access log format, and SigV4 on an AWS_IAM route.
 */
describeWhen(missing("moto", "lambda-node"))("local API: CORS, throttling and access logs of the deployed API and stage", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let api: LocalApi;
  let apiId: string;
  let apigw: ApiGatewayV2Client;
  let guest: { AccessKeyId: string; SecretKey: string; SessionToken: string };
  const accessLines: string[] = [];
  const handlerLines: string[] = [];
  let accessLogFile: string;

  beforeAll(async () => {
    scratch = ownFolder("local-api-gateway");
    accessLogFile = join(scratch, "access.log");
    cloud = await startLocalCloud({ warmUp: false, logFile: join(scratch, "moto.log") });
    const config = { ...CONFIG, endpoint: cloud.endpoint };
    const iam = new IAMClient(config);
    const identity = new CognitoIdentityClient(config);
    apigw = new ApiGatewayV2Client(config);
    try {
      const functionArn = await createFunction(cloud.endpoint, "gateway-fn", HANDLER);
      const created = await apigw.send(
        new CreateApiCommand({
          Name: "gateway-test",
          ProtocolType: "HTTP",
          CorsConfiguration: { AllowOrigins: [APP_ORIGIN], AllowHeaders: [...SIGV4_HEADERS], AllowMethods: ["GET"], ExposeHeaders: ["x-request-id"], MaxAge: 600 },
        }),
      );
      apiId = created.ApiId!;
      const integrationId = await createProxyIntegration(apigw, apiId, functionArn);
      for (const [RouteKey, AuthorizationType] of [["GET /public", "NONE"], ["GET /burst", "NONE"], ["GET /private", "AWS_IAM"]] as const) {
        await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey, AuthorizationType, Target: `integrations/${integrationId}` }));
      }
      const roomy = { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 1000 };
      await apigw.send(
        new CreateStageCommand({
          ApiId: apiId,
          StageName: "$default",
          AutoDeploy: true,
          // The stage's default is tight (a bucket of 5 refilled every 100 s: no refill during the test, so no timing
          // in the count); the other routes override it.
          DefaultRouteSettings: { ThrottlingRateLimit: 0.01, ThrottlingBurstLimit: BURST },
          RouteSettings: { "GET /public": roomy, "GET /private": roomy },
          AccessLogSettings: { DestinationArn: `arn:aws:logs:${LOCAL_REGION}:123456789012:log-group:/aws/vendedlogs/gateway-test`, Format: JSON.stringify(ACCESS_LOG_FORMAT) },
        }),
      );

      // A guest of an identity pool whose unauthenticated role may invoke GET /private, as the front issues them.
      const account = functionArn.split(":")[4];
      const guestRole = (await iam.send(new CreateRoleCommand({ RoleName: "gateway-guest", AssumeRolePolicyDocument: TRUST_LAMBDA }))).Role!.Arn!;
      const invoke = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: `arn:aws:execute-api:${LOCAL_REGION}:${account}:${apiId}/*/GET/private` }] };
      await iam.send(new PutRolePolicyCommand({ RoleName: "gateway-guest", PolicyName: "invoke", PolicyDocument: JSON.stringify(invoke) }));
      const { IdentityPoolId } = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: "gateway_test", AllowUnauthenticatedIdentities: true }));
      await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { unauthenticated: guestRole } }));
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId }));
      guest = (await identity.send(new GetCredentialsForIdentityCommand({ IdentityId }))).Credentials as typeof guest;
    } finally {
      for (const client of [iam, identity]) client.destroy();
    }
    api = await startLocalApi({
      cloud,
      apiId,
      region: LOCAL_REGION,
      onAccessLog: (line) => accessLines.push(line),
      accessLogFile,
      onLog: (line) => handlerLines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    apigw?.destroy();
    await api?.stop();
    await cloud?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  const get = (path: string, headers: Record<string, string> = {}, method = "GET") => fetch(`${api.url}${path}`, { method, headers });
  const corsHeaders = (response: Response) => Object.fromEntries([...response.headers].filter(([name]) => name.startsWith("access-control-")));

  test("a preflight for a route without an OPTIONS route, even an AWS_IAM one, is answered 204 with the deployed headers", async () => {
    const response = await get("/private", { origin: APP_ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization,x-amz-date,x-amz-security-token" }, "OPTIONS");
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(corsHeaders(response)).toEqual({
      "access-control-allow-origin": APP_ORIGIN,
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": SIGV4_HEADERS.join(","),
      "access-control-expose-headers": "x-request-id",
      "access-control-max-age": "600",
    });
  });

  test("a preflight from an origin that is not allowed gets 204 and no CORS headers; OPTIONS that is not a preflight is 404", async () => {
    const refused = await get("/public", { origin: "https://evil.example.org", "access-control-request-method": "GET" }, "OPTIONS");
    expect({ status: refused.status, cors: corsHeaders(refused) }).toEqual({ status: 204, cors: {} });
    const plain = await get("/public", {}, "OPTIONS");
    expect({ status: plain.status, body: await plain.json() }).toEqual({ status: 404, body: { message: "Not Found" } });
  });

  test("an allowed origin's request gets the allowed origin and expose headers instead of the handler's own CORS header", async () => {
    const response = await get("/public", { origin: APP_ORIGIN });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ routeKey: "GET /public" });
    expect(corsHeaders(response)).toEqual({ "access-control-allow-origin": APP_ORIGIN, "access-control-expose-headers": "x-request-id" });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a disallowed origin, or none, gets no CORS headers at all (the handler's is dropped too)", async () => {
    for (const headers of [{ origin: "https://evil.example.org" }, {}] as Record<string, string>[]) {
      const response = await get("/public", headers);
      expect({ headers, status: response.status, cors: corsHeaders(response) }).toEqual({ headers, status: 200, cors: {} });
    }
  });

  test("curl --aws-sigv4 with identity-pool credentials still reaches the AWS_IAM route, with CORS headers for the allowed origin", async () => {
    const { stdout } = await run(
      "curl",
      ["-s", "-i", "--aws-sigv4", `aws:amz:${LOCAL_REGION}:execute-api`, "--user", `${guest.AccessKeyId}:${guest.SecretKey}`, "-H", `x-amz-security-token: ${guest.SessionToken}`, "-H", `origin: ${APP_ORIGIN}`, `${api.url}/private`],
      { timeout: 30_000 },
    );
    expect(stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(stdout).toMatch(new RegExp(`^access-control-allow-origin: ${APP_ORIGIN}\\r$`, "mi"));
    expect(stdout.slice(stdout.indexOf("\r\n\r\n") + 4)).toBe('{"routeKey":"GET /private"}');
    const unsigned = await get("/private");
    expect({ status: unsigned.status, body: await unsigned.json() }).toEqual({ status: 403, body: { message: "Forbidden" } });
  }, 60_000);

  test(`${SENT} requests at once to a route whose stage allows a burst of ${BURST} get ${SENT - BURST} 429s; the other routes keep their own limits`, async () => {
    const responses = await Promise.all(Array.from({ length: SENT }, () => get("/burst")));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(SENT - BURST);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(await throttled.json()).toEqual({ message: "Too Many Requests" });
    expect((await get("/public")).status).toBe(200);
  }, 60_000);

  test("with throttling: false the same burst is served in full", async () => {
    const unthrottled = await startLocalApi({ cloud, apiId, region: LOCAL_REGION, throttling: false });
    try {
      const responses = await Promise.all(Array.from({ length: SENT }, () => fetch(`${unthrottled.url}/burst`)));
      expect(responses.map((r) => r.status)).toEqual(Array(SENT).fill(200));
    } finally {
      await unthrottled.stop();
    }
  }, 60_000);

  test("one access log line per request, in the deployed format, to onAccessLog and the file alike; none in the handlers' log", async () => {
    const before = accessLines.length;
    const response = await get("/public?x=1", { "user-agent": "gateway-test" });
    await response.text();
    const missing = await get("/nope");
    await missing.text();
    expect(accessLines.length - before).toBe(2);
    const [ok, notFound] = accessLines.slice(before).map((line) => JSON.parse(line));
    expect(Object.keys(ok)).toEqual(Object.keys(ACCESS_LOG_FORMAT));
    expect(ok).toEqual({
      requestId: response.headers.get("x-request-id"),
      ip: "127.0.0.1",
      requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      routeKey: "GET /public",
      status: "200",
      responseLength: String('{"routeKey":"GET /public"}'.length),
      integrationError: "-",
      userArn: "-",
      cognitoIdentityId: "-",
    });
    expect(notFound).toMatchObject({ routeKey: "-", status: "404", responseLength: String('{"message":"Not Found"}'.length) });

    const fileLines = readFileSync(accessLogFile, "utf8").trimEnd().split("\n");
    expect(fileLines).toEqual(accessLines);
    expect(handlerLines.filter((line) => line.startsWith(ACCESS_LOG_PREFIX))).toEqual([]);
  });

  test("every request so far, throttled and signed ones included, has its line; the signed one names the guest's role session", () => {
    const lines = accessLines.map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.routeKey === "GET /burst" && line.status === "429")).toHaveLength(SENT - BURST);
    const signed = lines.find((line) => line.routeKey === "GET /private" && line.status === "200");
    expect(signed).toMatchObject({ userArn: expect.stringMatching(/^arn:aws:sts::\d{12}:assumed-role\/gateway-guest\/CognitoIdentityCredentials$/), cognitoIdentityId: expect.stringMatching(/^us-east-1:/) });
  });

  test("reload() picks up a changed CORS configuration", async () => {
    await apigw.send(new UpdateApiCommand({ ApiId: apiId, CorsConfiguration: { AllowOrigins: ["https://other.example.com"], AllowMethods: ["GET"] } }));
    await api.reload();
    const response = await get("/public", { origin: APP_ORIGIN });
    expect(corsHeaders(response)).toEqual({});
    const other = await get("/public", { origin: "https://other.example.com" });
    expect(corsHeaders(other)).toEqual({ "access-control-allow-origin": "https://other.example.com" });
  });
});
