import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { describeWhen, missing } from "../../../support/requires";
import { SharedDev, sharedDev } from "../../../support/shared";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const run = promisify(execFile);
type Credentials = { AccessKeyId: string; SecretKey: string; SessionToken: string };

/**
 * The guide's walkthrough against the run's shared `npm run dev` (support/shared.ts), with real clients only: AWS SDK
 * v3 Cognito clients, the AWS CLI, and curl --aws-sigv4 for signed calls, by users and an identity pool of this file's
 * own. Edits of handlers while dev runs are reload.test.ts's.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev: the guide's walkthrough, offline", () => {
  let dev: SharedDev;
  let idp: CognitoIdentityProviderClient;
  let identity: CognitoIdentityClient;
  let iam: IAMClient;

  /** Signs up, confirms (with the AWS CLI) and signs in a user; returns its identity id and credentials. */
  async function signedInUser(email: string): Promise<{ identityId: string; logins: Record<string, string>; credentials: Credentials }> {
    const { UserPoolId, UserPoolClientId, IdentityPoolId } = dev.outputs;
    await idp.send(new SignUpCommand({ ClientId: UserPoolClientId, Username: email, Password: "Passw0rd!" }));
    // Asynchronously: the local cloud runs in this process and must keep answering while the CLI waits.
    await run("aws", ["--endpoint-url", dev.cloudEndpoint, "--region", "us-east-1", "cognito-idp", "admin-confirm-sign-up", "--user-pool-id", UserPoolId, "--username", email], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    });
    const auth = await idp.send(
      new InitiateAuthCommand({ ClientId: UserPoolClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: "Passw0rd!" } }),
    );
    const logins = { [`cognito-idp.us-east-1.amazonaws.com/${UserPoolId}`]: auth.AuthenticationResult!.IdToken! };
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId, Logins: logins }));
    return { identityId: IdentityId!, logins, credentials: await credentialsOf(IdentityId!, logins) };
  }

  async function credentialsOf(identityId: string, logins: Record<string, string>): Promise<Credentials> {
    const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins }));
    return Credentials as Credentials;
  }

  /** `curl --aws-sigv4` of a path of the local API: status and body. */
  async function signedCurl(path: string, credentials: Credentials, secret = credentials.SecretKey): Promise<{ status: number; body: string }> {
    const { stdout } = await run("curl", [
      "-s", "-w", "\n%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:execute-api",
      "--user", `${credentials.AccessKeyId}:${secret}`, "-H", `x-amz-security-token: ${credentials.SessionToken}`, `${dev.apiUrl}${path}`,
    ]);
    const lines = stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  beforeAll(async () => {
    dev = await sharedDev();
    idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint: dev.cloudEndpoint });
    identity = new CognitoIdentityClient({ ...CONFIG, endpoint: dev.cloudEndpoint });
    iam = new IAMClient({ ...CONFIG, endpoint: dev.cloudEndpoint });
  }, 300_000);

  afterAll(() => {
    for (const client of [idp, identity, iam]) client?.destroy();
  });

  test("--outputs-file holds the outputs AWS would, plus the local endpoints", () => {
    expect(Object.keys(dev.outputs).sort()).toEqual(["ApiEndpoint", "ApiId", "IdentityPoolId", "LocalApiEndpoint", "LocalCloudEndpoint", "Region", "UserPoolClientId", "UserPoolId"]);
    expect(dev.outputs.LocalApiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.outputs.LocalCloudEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("GET /public: 200 Hello stranger!, and the handler's JSON log line arrives as written, with its request id", async () => {
    const greetings = () => dev.logLines().filter((l) => l.includes("greeted a stranger"));
    const before = greetings().length;
    const response = await fetch(`${dev.apiUrl}/public`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Hello stranger!");
    // The functions log in JSON format: a line the handler writes to stdout itself passes unchanged, as on Lambda.
    const line = await eventually(() => greetings()[before]);
    const record = JSON.parse(line!) as { level: string; requestId: string; apiRequestId: string };
    expect(record.level).toBe("info");
    expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.apiRequestId).toBe(record.requestId);
  });

  test("GET /private unsigned: 403 Forbidden", async () => {
    const response = await fetch(`${dev.apiUrl}/private`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: "Forbidden" });
  });

  test("signed-in users are greeted by the identity id GetId returned; a second user has another; a wrong secret is refused", async () => {
    const first = await signedInUser("walkthrough@example.com");
    expect(await signedCurl("/private", first.credentials)).toEqual({ status: 200, body: `Hello ${first.identityId}!` });

    // Another last character: appending "x" to a secret that already ends in "x" would change nothing.
    const secret = first.credentials.SecretKey;
    const tampered = await signedCurl("/private", first.credentials, `${secret.slice(0, -1)}${secret.endsWith("x") ? "y" : "x"}`);
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.body).message).toMatch(/^The request signature we calculated does not match/);

    const second = await signedInUser("walkthrough-second@example.com");
    expect(second.identityId).not.toBe(first.identityId);
    expect(await signedCurl("/private", second.credentials)).toEqual({ status: 200, body: `Hello ${second.identityId}!` });
  }, 30_000);

  test("a caller whose role may not invoke the route gets 403", async () => {
    // An identity pool of this test's own, for the same users, whose signed-in role may invoke nothing: the stage's
    // own pool is shared with the other files of the run, and stays as deployed.
    const { UserPoolId, UserPoolClientId } = dev.outputs;
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity" }] });
    const bare = await iam.send(new CreateRoleCommand({ RoleName: "walkthrough-no-invoke", AssumeRolePolicyDocument: trust }));
    const pool = await identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: "walkthrough_no_invoke",
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${LOCAL_REGION}.amazonaws.com/${UserPoolId}`, ClientId: UserPoolClientId }],
      }),
    );
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool.IdentityPoolId, Roles: { authenticated: bare.Role!.Arn! } }));
    const user = await signedInUser("walkthrough-no-invoke@example.com");
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: pool.IdentityPoolId, Logins: user.logins }));
    const response = await signedCurl("/private", await credentialsOf(IdentityId!, user.logins));
    expect(response).toEqual({ status: 403, body: JSON.stringify({ message: "Forbidden" }) });
  }, 30_000);

  test("bad requests get API Gateway's JSON errors and the server keeps serving", async () => {
    const unknown = await fetch(`${dev.apiUrl}/nope`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: "Not Found" }]);
    const huge = await fetch(`${dev.apiUrl}/private`, { method: "POST", body: Buffer.alloc(11 * 1024 * 1024, 97) });
    expect([huge.status, await huge.json()]).toEqual([413, { message: "Request Entity Too Large" }]);
    expect((await fetch(`${dev.apiUrl}/public`)).status).toBe(200);
  }, 30_000);
});

/** Polls `find` every 100 ms until it finds something, or fails after 10 s. */
async function eventually<T>(find: () => T | undefined): Promise<T> {
  for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const found = find();
    if (found !== undefined) return found;
  }
  throw new Error("not found within 10 s");
}
