import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { mayInvoke, POLICY_CACHE_MS, requestArn } from "../../../../tools/local-api/invoke-authorization";
import { loadRoutes, matchRoute, RouteTable } from "../../../../tools/local-api/route-table";
import { describeWhen, missing } from "../../../support/requires";
import { SharedDev, sharedDev } from "../../../support/shared";

const PREFIX = "api-auth-cognito-dev";
/** IAM names carry the region's code too (us-east-1). */
const ROLE_PREFIX = `${PREFIX}-use1`;

const TRUST_LAMBDA = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * The pieces of the local API server that read the deployed dev stage (the run's shared `npm run dev`): its route
 * table from the emulator's API Gateway, and IAM decisions for `AWS_IAM` routes from the emulator's IAM, with roles of
 * this file's own.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("routes and invoke permissions of dev, read from the local cloud", () => {
  let dev: SharedDev;
  let apiId: string;
  let table: RouteTable;
  let iam: IAMClient;
  let authenticatedRoleArn: string;
  let accountId: string;
  const arn = (method: string, path: string) => requestArn(LOCAL_REGION, accountId, apiId, method, path);

  beforeAll(async () => {
    dev = await sharedDev();
    apiId = dev.outputs.ApiId;
    table = await loadRoutes(dev.cloudEndpoint, apiId);
    iam = new IAMClient({ endpoint: dev.cloudEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: `${ROLE_PREFIX}-authenticated` }));
    authenticatedRoleArn = Role!.Arn!;
    accountId = authenticatedRoleArn.split(":")[4];
  }, 300_000);

  afterAll(() => iam?.destroy());

  test("loadRoutes: GET /public (NONE) and GET /private (AWS_IAM), each with its function", () => {
    expect(table.apiId).toBe(apiId);
    const rows = table.routes.map((r) => [r.routeKey, r.authorizationType, r.functionName, r.payloadFormatVersion]).sort();
    expect(rows).toEqual([
      ["GET /private", "AWS_IAM", `${PREFIX}-private`, "2.0"],
      ["GET /public", "NONE", `${PREFIX}-public`, "2.0"],
    ]);
    for (const route of table.routes) {
      expect(route.functionArn).toBe(`arn:aws:lambda:${LOCAL_REGION}:${accountId}:function:${route.functionName}`);
    }
  });

  test("matchRoute finds the deployed routes, and nothing for an unknown path or method", () => {
    expect(matchRoute(table, "GET", "/public")).toMatchObject({ route: { routeKey: "GET /public" }, functionName: `${PREFIX}-public`, pathParameters: {} });
    expect(matchRoute(table, "GET", "/private?x=1")).toMatchObject({ route: { routeKey: "GET /private", authorizationType: "AWS_IAM" }, functionName: `${PREFIX}-private` });
    expect(matchRoute(table, "GET", "/nope")).toBeUndefined();
    expect(matchRoute(table, "POST", "/public")).toBeUndefined();
  });

  test("the authenticated role may invoke GET /private", async () => {
    const decision = await mayInvoke({ endpoint: dev.cloudEndpoint, roleArn: authenticatedRoleArn, routeArn: arn("GET", "/private") });
    expect(decision).toEqual({ allowed: true, reason: expect.stringMatching(/^Allowed: /) });
  });

  test("the authenticated role's grant names GET /private only: GET /public's ARN, POST /private and another API are denied", async () => {
    const otherApi = requestArn(LOCAL_REGION, accountId, "otherapi12", "GET", "/private");
    for (const routeArn of [arn("GET", "/public"), arn("POST", "/private"), arn("GET", "/private/x"), otherApi]) {
      const decision = await mayInvoke({ endpoint: dev.cloudEndpoint, roleArn: authenticatedRoleArn, routeArn });
      expect({ routeArn, ...decision }).toEqual({ routeArn, allowed: false, reason: expect.stringMatching(/^ImplicitlyDenied: /) });
    }
  });

  test("a role with no policies is denied, and an unknown role too", async () => {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "local-api-routing-bare", AssumeRolePolicyDocument: TRUST_LAMBDA }));
    const bare = await mayInvoke({ endpoint: dev.cloudEndpoint, roleArn: Role!.Arn!, routeArn: arn("GET", "/private") });
    expect(bare).toEqual({ allowed: false, reason: expect.stringMatching(/^ImplicitlyDenied: .*\(0 policies\)/) });
    const unknown = await mayInvoke({ endpoint: dev.cloudEndpoint, roleArn: `arn:aws:iam::${accountId}:role/no-such-role`, routeArn: arn("GET", "/private") });
    expect(unknown).toEqual({ allowed: false, reason: expect.stringContaining("does not exist") });
  });

  test("attached managed policies count, and a policy edit is seen once the cache expires", async () => {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "local-api-routing-managed", AssumeRolePolicyDocument: TRUST_LAMBDA }));
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "local-api-routing-post-private",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "execute-api:Invoke", Resource: arn("POST", "/private") }] }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: "local-api-routing-managed", PolicyArn: Policy!.Arn! }));
    const ask = (method: string) => mayInvoke({ endpoint: dev.cloudEndpoint, roleArn: Role!.Arn!, routeArn: arn(method, "/private") });
    expect((await ask("POST")).allowed).toBe(true);
    expect((await ask("GET")).allowed).toBe(false);

    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "local-api-routing-managed",
        PolicyName: "deny-post",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "execute-api:Invoke", Resource: arn("POST", "/private") }] }),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, POLICY_CACHE_MS + 100));
    expect(await ask("POST")).toEqual({ allowed: false, reason: expect.stringMatching(/^ExplicitlyDenied: .*\(2 policies\)/) });
  });
});
