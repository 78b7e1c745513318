import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { DevEnvironment, startDev } from "../../tools/local-api/dev-environment";
import { lambdaNodeMissing } from "../../tools/local-api/lambda-node";
import { motoMissing } from "../../tools/local-cloud/moto";
import { terraformMissing } from "../../tools/terraform/terraform";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { describeWhen } from "../support/requires";

const ROOT = join(__dirname, "..", "..");
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const run = promisify(execFile);
type Credentials = { AccessKeyId: string; SecretKey: string; SessionToken: string };

/**
 * The guide's walkthrough against `npm run dev`, with real clients only: AWS SDK v3 Cognito clients, the AWS CLI,
 * and curl --aws-sigv4 for signed calls.
 */
describeWhen(terraformMissing() ?? motoMissing() ?? lambdaNodeMissing())("npm run dev: the guide's walkthrough, offline", () => {
  let scratch: string;
  let dev: DevEnvironment;
  const logs: string[] = [];
  let idp: CognitoIdentityProviderClient;
  let identity: CognitoIdentityClient;
  let iam: IAMClient;

  /** Signs up, confirms (with the AWS CLI) and signs in a user; returns its identity id and credentials. */
  async function signedInUser(email: string): Promise<{ identityId: string; logins: Record<string, string>; credentials: Credentials }> {
    const { UserPoolId, UserPoolClientId, IdentityPoolId } = dev.outputs;
    await idp.send(new SignUpCommand({ ClientId: UserPoolClientId, Username: email, Password: "Passw0rd!" }));
    // Asynchronously: the local cloud runs in this process and must keep answering while the CLI waits.
    await run("aws", ["--endpoint-url", dev.cloud.endpoint, "--region", "us-east-1", "cognito-idp", "admin-confirm-sign-up", "--user-pool-id", UserPoolId, "--username", email], {
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
      "--user", `${credentials.AccessKeyId}:${secret}`, "-H", `x-amz-security-token: ${credentials.SessionToken}`, `${dev.api.url}${path}`,
    ]);
    const lines = stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "dev-"));
    // A copy of the handlers to edit, so the test never touches the project's own files.
    cpSync(join(ROOT, "lambdas"), join(scratch, "lambdas"), { recursive: true });
    dev = await startDev({ workdir: join(scratch, "work"), sourceRoot: scratch, log: (line) => logs.push(line) });
    idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint: dev.cloud.endpoint });
    identity = new CognitoIdentityClient({ ...CONFIG, endpoint: dev.cloud.endpoint });
    iam = new IAMClient({ ...CONFIG, endpoint: dev.cloud.endpoint });
  }, 180_000);

  afterAll(async () => {
    for (const client of [idp, identity, iam]) client?.destroy();
    await dev?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("prints the outputs AWS would, plus the local endpoint", () => {
    expect(Object.keys(dev.outputs).sort()).toEqual(["ApiEndpoint", "ApiId", "IdentityPoolId", "LocalApiEndpoint", "Region", "UserPoolClientId", "UserPoolId"]);
    expect(dev.outputs.LocalApiEndpoint).toBe(dev.api.url);
  });

  test("GET /public: 200 Hello stranger!, and the handler's JSON log line arrives as written, with its request id", async () => {
    const response = await fetch(`${dev.api.url}/public`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Hello stranger!");
    // The functions log in JSON format: a line the handler writes to stdout itself passes unchanged, as on Lambda.
    const line = logs.find((l) => l.includes("greeted a stranger"));
    const record = JSON.parse(line!) as { level: string; requestId: string; apiRequestId: string };
    expect(record.level).toBe("info");
    expect(record.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.apiRequestId).toBe(record.requestId);
  });

  test("GET /private unsigned: 403 Forbidden", async () => {
    const response = await fetch(`${dev.api.url}/private`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: "Forbidden" });
  });

  test("signed-in users are greeted by the identity id GetId returned; a second user has another; a wrong secret is refused", async () => {
    const first = await signedInUser("admin@example.com");
    expect(await signedCurl("/private", first.credentials)).toEqual({ status: 200, body: `Hello ${first.identityId}!` });

    // Another last character: appending "x" to a secret that already ends in "x" would change nothing.
    const secret = first.credentials.SecretKey;
    const tampered = await signedCurl("/private", first.credentials, `${secret.slice(0, -1)}${secret.endsWith("x") ? "y" : "x"}`);
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.body).message).toMatch(/^The request signature we calculated does not match/);

    const second = await signedInUser("second@example.com");
    expect(second.identityId).not.toBe(first.identityId);
    expect(await signedCurl("/private", second.credentials)).toEqual({ status: 200, body: `Hello ${second.identityId}!` });
  }, 30_000);

  test("a caller whose role may not invoke the route gets 403", async () => {
    const { IdentityPoolId } = dev.outputs;
    const user = await signedInUser("norole@example.com");
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: "cognito-identity.amazonaws.com" }, Action: "sts:AssumeRoleWithWebIdentity" }] });
    const bare = await iam.send(new CreateRoleCommand({ RoleName: "no-invoke", AssumeRolePolicyDocument: trust }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: "api-auth-cognito-dev-use1-authenticated" }));
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: bare.Role!.Arn! } }));
    try {
      const response = await signedCurl("/private", await credentialsOf(user.identityId, user.logins));
      expect(response).toEqual({ status: 403, body: JSON.stringify({ message: "Forbidden" }) });
    } finally {
      await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: Role!.Arn! } }));
    }
  }, 30_000);

  test("bad requests get API Gateway's JSON errors and the server keeps serving", async () => {
    const unknown = await fetch(`${dev.api.url}/nope`);
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: "Not Found" }]);
    const huge = await fetch(`${dev.api.url}/private`, { method: "POST", body: Buffer.alloc(11 * 1024 * 1024, 97) });
    expect([huge.status, await huge.json()]).toEqual([413, { message: "Request Entity Too Large" }]);
    expect((await fetch(`${dev.api.url}/public`)).status).toBe(200);
  }, 30_000);

  test("a handler that throws answers 500 Internal Server Error", async () => {
    const file = join(scratch, "lambdas", "public.ts");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace('log("info", "greeted a stranger", context, event);', 'throw new Error("broken on purpose");'));
    try {
      const started = Date.now();
      let status = 0;
      while (Date.now() - started < 15_000 && status !== 500) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await fetch(`${dev.api.url}/public`)).status;
      }
      const response = await fetch(`${dev.api.url}/public`);
      expect([response.status, await response.json()]).toEqual([500, { message: "Internal Server Error" }]);
    } finally {
      writeFileSync(file, original);
    }
  }, 30_000);

  test("an edit to a handler is served by the next requests, without a restart", async () => {
    const file = join(scratch, "lambdas", "public.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('"Hello stranger!"', '"Hello, edited stranger!"'));
    const started = Date.now();
    let body = "";
    while (Date.now() - started < 15_000 && body !== "Hello, edited stranger!") {
      await new Promise((resolve) => setTimeout(resolve, 100));
      body = await (await fetch(`${dev.api.url}/public`)).text();
    }
    expect(body).toBe("Hello, edited stranger!");
    expect(logs.some((line) => /^reloaded .*api-auth-cognito-dev-public/.test(line))).toBe(true);
  }, 30_000);
});
