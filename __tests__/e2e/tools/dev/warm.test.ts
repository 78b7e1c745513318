import { execFile } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { LambdaClient, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { zipSync } from "fflate";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DevEnvironment, startDev } from "../../../../tools/dev";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, recordRunningCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const EMAIL = "warm@example.com";
const PASSWORD = "Passw0rd-warm!";
type Credentials = { AccessKeyId: string; SecretKey: string; SessionToken: string };

/**
 * A warm start: a local cloud keeps running (here started by the test and recorded as `npm run local:up` records
 * it), a first `npm run dev` attaches and deploys, a second attaches and finds the synthesized stack already
 * deployed to that cloud, so it runs no Terraform, and serves the same API to the same users and credentials.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev, warm: attaches to the running local cloud and redeploys nothing", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let record: string;
  let dev: DevEnvironment | undefined;

  const devOptions = () => ({ workdir: join(scratch, "work"), sourceRoot: scratch, runningCloud: record, infraReload: false, log: () => undefined });

  /** `curl --aws-sigv4` of GET /private: status and body. */
  async function signedPrivate(apiUrl: string, credentials: Credentials): Promise<{ status: number; body: string }> {
    const { stdout } = await run("curl", [
      "-s", "-w", "\n%{http_code}", "--aws-sigv4", `aws:amz:${LOCAL_REGION}:execute-api`,
      "--user", `${credentials.AccessKeyId}:${credentials.SecretKey}`, "-H", `x-amz-security-token: ${credentials.SessionToken}`, `${apiUrl}/private`,
    ]);
    const lines = stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  /** Signs the user in with its password and trades the ID token for its identity and credentials. */
  async function signIn(outputs: Record<string, string>): Promise<{ identityId: string; credentials: Credentials }> {
    const idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint: cloud.endpoint });
    const identity = new CognitoIdentityClient({ ...CONFIG, endpoint: cloud.endpoint });
    try {
      const auth = await idp.send(
        new InitiateAuthCommand({ ClientId: outputs.UserPoolClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD } }),
      );
      const Logins = { [`cognito-idp.${LOCAL_REGION}.amazonaws.com/${outputs.UserPoolId}`]: auth.AuthenticationResult!.IdToken! };
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: outputs.IdentityPoolId, Logins }));
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
      return { identityId: IdentityId!, credentials: Credentials as Credentials };
    } finally {
      idp.destroy();
      identity.destroy();
    }
  }

  beforeAll(async () => {
    scratch = ownFolder("dev-warm");
    cpSync(join(ROOT, "lambdas"), join(scratch, "lambdas"), { recursive: true });
    cloud = await startLocalCloud();
    record = join(scratch, "cloud.json");
    recordRunningCloud(cloud.endpoint, { pid: cloud.motoPid, socketPath: cloud.motoSocketPath }, record);
  }, 60_000);

  afterAll(async () => {
    await dev?.stop();
    await cloud?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the second start applies nothing; the same API id, user, identity and credentials work on", async () => {
    // 1. A first session: attaches, deploys, signs a user up.
    dev = await startDev(devOptions());
    expect({ attached: dev.attached, deployed: dev.deployed }).toEqual({ attached: true, deployed: true });
    expect(dev.cloud.instanceId).toBe(cloud.instanceId);
    const firstOutputs = { ...dev.outputs };
    expect((await fetch(`${dev.api.url}/public`)).status).toBe(200);
    const idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint: cloud.endpoint });
    try {
      await idp.send(new SignUpCommand({ ClientId: firstOutputs.UserPoolClientId, Username: EMAIL, Password: PASSWORD }));
      await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: firstOutputs.UserPoolId, Username: EMAIL }));
    } finally {
      idp.destroy();
    }
    const first = await signIn(firstOutputs);
    expect(await signedPrivate(dev.api.url, first.credentials)).toEqual({ status: 200, body: `Hello ${first.identityId}!` });
    const publicFunction = dev.manifest.api.routes["GET /public"].function;
    await dev.stop();
    dev = undefined;

    // Stopping dev leaves the attached cloud running, with the stage deployed.
    expect(cloud.lambdaCode.names().length).toBeGreaterThan(0);
    // Meanwhile another session pushes other code of GET /public's function (its handler reloader would).
    const lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    try {
      const foreign = zipSync({ "index.js": Buffer.from("exports.handler = async () => ({ statusCode: 200, body: 'foreign code' });") });
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: publicFunction, ZipFile: foreign }));
    } finally {
      lambda.destroy();
    }

    // 2. A second session: attaches, applies nothing, serves the same stage.
    dev = await startDev(devOptions());
    expect({ attached: dev.attached, deployed: dev.deployed }).toEqual({ attached: true, deployed: false });
    const { LocalApiEndpoint: _first, ...firstDeployed } = firstOutputs;
    const { LocalApiEndpoint: _second, ...secondDeployed } = dev.outputs;
    expect(secondDeployed).toEqual(firstDeployed);
    // This project's code serves again, not the other session's.
    const publicAnswer = await fetch(`${dev.api.url}/public`);
    expect({ status: publicAnswer.status, body: await publicAnswer.text() }).toEqual({ status: 200, body: "Hello stranger!" });
    // The credentials of the first session still sign, and the user signs in again to the same identity.
    expect(await signedPrivate(dev.api.url, first.credentials)).toEqual({ status: 200, body: `Hello ${first.identityId}!` });
    const again = await signIn(dev.outputs);
    expect(again.identityId).toBe(first.identityId);
    expect(await signedPrivate(dev.api.url, again.credentials)).toEqual({ status: 200, body: `Hello ${first.identityId}!` });

    // 3. The attached session notices when the running cloud goes away.
    await cloud.stop();
    await expect(dev.died).resolves.toMatch(new RegExp(`^the local cloud at ${cloud.endpoint} stopped answering`));
  }, 240_000);

  test("a session with runningCloud: false starts its own cloud, another instance, and deploys to it (the attached one has stopped)", async () => {
    await dev?.stop();
    dev = await startDev({ ...devOptions(), workdir: join(scratch, "own"), runningCloud: false });
    expect({ attached: dev.attached, deployed: dev.deployed }).toEqual({ attached: false, deployed: true });
    expect(dev.cloud.instanceId).not.toBe(cloud.instanceId);
    expect((await fetch(`${dev.api.url}/public`)).status).toBe(200);
  }, 180_000);
});
