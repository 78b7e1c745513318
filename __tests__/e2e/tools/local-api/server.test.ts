import { rmSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { ApiGatewayV2Client, CreateApiCommand, CreateRouteCommand, CreateStageCommand } from "@aws-sdk/client-apigatewayv2";
import { LocalApi, startLocalApi } from "../../../../tools/local-api/api-server";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { createFunction, createProxyIntegration } from "../../../support/proxy-function";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

/** Responses a handler can return that Node cannot write as they are, by the name GET /<name> asks for. */
const MALFORMED = {
  "crlf-header": { statusCode: 200, headers: { "x-echo": "a\r\nset-cookie: x=1" }, body: "injected" },
  "spaced-name": { statusCode: 200, headers: { "bad name": "v" }, body: "x" },
  "crlf-cookie": { statusCode: 200, cookies: ["a=1\r\nset-cookie: x=1"], body: "x" },
  "string-status": { statusCode: "200", body: "x" },
  "status-999": { statusCode: 999, body: "x" },
  "list-headers": { statusCode: 200, headers: ["x-a", "b"], body: "x" },
  "object-header": { statusCode: 200, headers: { "x-a": { nested: true } }, body: "x" },
  "bad-base64": { statusCode: 200, body: "%%%", isBase64Encoded: true },
} as const;

/** GET /ok answers this once the others have been refused. */
const HANDLER = `const CASES = ${JSON.stringify(MALFORMED)};
exports.handler = async (event) => CASES[event.pathParameters.name] ?? { statusCode: 200, headers: { "content-type": "text/plain" }, body: "still serving" };`;

/** One GET on a socket of its own: the status line and headers as they came over the wire. */
function rawGet(url: string): Promise<{ status: number; headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * The server `npm run dev` runs holds whatever a handler returns: a response Node could not write is API Gateway's 500,
 * the reason goes to the log, and the next request is served.
 */
describeWhen(missing("moto", "lambda-node"))("local API server: hostile handler responses", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let api: LocalApi;
  const logs: string[] = [];

  beforeAll(async () => {
    scratch = ownFolder("local-api-server");
    cloud = await startLocalCloud({ warmUp: false, logFile: join(scratch, "moto.log") });
    const apigw = new ApiGatewayV2Client({ ...CONFIG, endpoint: cloud.endpoint });
    let apiId: string;
    try {
      const functionArn = await createFunction(cloud.endpoint, "server-fn", HANDLER);
      apiId = (await apigw.send(new CreateApiCommand({ Name: "server-test", ProtocolType: "HTTP" }))).ApiId!;
      const integrationId = await createProxyIntegration(apigw, apiId, functionArn);
      await apigw.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: "GET /{name}", AuthorizationType: "NONE", Target: `integrations/${integrationId}` }));
      await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: "$default", AutoDeploy: true }));
    } finally {
      apigw.destroy();
    }
    api = await startLocalApi({ cloud, apiId, region: LOCAL_REGION, onLog: (line) => logs.push(line) });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await cloud?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  const refusals = () => logs.filter((line) => line.startsWith("Malformed Lambda proxy response from server-fn: "));

  test.each(Object.keys(MALFORMED))("a handler's %s response is answered 500 Internal Server Error, logged as malformed, and the server keeps serving", async (name) => {
    const before = refusals().length;
    const answer = await rawGet(`${api.url}/${name}`);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ message: "Internal Server Error" });
    // Nothing of the handler's headers reached the wire: no injected cookie.
    expect(answer.headers.map((header) => header.toLowerCase())).not.toContain("set-cookie");
    expect(refusals()).toHaveLength(before + 1);
    expect(refusals()[before]).not.toMatch(/[\r\n]/);
    const next = await rawGet(`${api.url}/ok`);
    expect(next).toMatchObject({ status: 200, body: "still serving" });
  }, 60_000);
});
