import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GREETINGS_BUCKET, useSdkHandler } from "../../tools/bench/use-sdk-handler";
import { DevEnvironment, startDev } from "../../tools/local-api/dev-environment";
import { lambdaNodeMissing } from "../../tools/local-api/lambda-node";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { motoMissing } from "../../tools/local-cloud/moto";
import { terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

const ROOT = join(__dirname, "..", "..");
const run = promisify(execFile);
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const EMAIL = "sdk@example.com";
const PASSWORD = "Passw0rd-for-sdk!";
const SOMEONE_ELSES = "someone-elses-bucket";

/**
 * A team's first real handler under `npm run dev`: GET /private swapped for one that stores and reads an S3 object
 * with an unmodified `new S3Client({})` (tools/bench/sdk-handler.ts, installed by use-sdk-handler.ts as a team would:
 * bucket, grant, environment, save), reached by a signed-in user's SigV4-signed
 * request. The handler's credentials are its execution role's, minted by the local cloud, and its calls are
 * authorized against that role's policies.
 */
describeWhen(terraformMissing() ?? motoMissing() ?? lambdaNodeMissing())("npm run dev: a handler calling AWS through the SDK", () => {
  let scratch: string;
  let dev: DevEnvironment;
  let s3: S3Client;
  let credentials: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string };
  let identityId: string;

  /** A curl --aws-sigv4 GET of `path` as the signed-in user: status and body. */
  async function signedGet(path: string): Promise<{ status: number; body: string }> {
    const { stdout } = await run("curl", [
      "-s", "-w", "\n%{http_code}", "--aws-sigv4", `aws:amz:${LOCAL_REGION}:execute-api`,
      "--user", `${credentials.AccessKeyId}:${credentials.SecretKey}`, "-H", `x-amz-security-token: ${credentials.SessionToken}`, `${dev.api.url}${path}`,
    ]);
    const lines = stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "dev-sdk-"));
    cpSync(join(ROOT, "lambdas"), join(scratch, "lambdas"), { recursive: true });
    dev = await startDev({ workdir: join(scratch, "work"), sourceRoot: scratch, log: () => undefined });
    const endpoint = dev.cloud.endpoint;
    await useSdkHandler(dev, scratch);
    s3 = new S3Client({ ...CONFIG, endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: SOMEONE_ELSES }));

    const { UserPoolId, UserPoolClientId, IdentityPoolId } = dev.outputs;
    const idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint });
    const identity = new CognitoIdentityClient({ ...CONFIG, endpoint });
    try {
      await idp.send(new SignUpCommand({ ClientId: UserPoolClientId, Username: EMAIL, Password: PASSWORD }));
      await idp.send(new AdminConfirmSignUpCommand({ UserPoolId, Username: EMAIL }));
      const { AuthenticationResult } = await idp.send(
        new InitiateAuthCommand({ ClientId: UserPoolClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD } }),
      );
      const Logins = { [`cognito-idp.${LOCAL_REGION}.amazonaws.com/${UserPoolId}`]: AuthenticationResult!.IdToken! };
      identityId = (await identity.send(new GetIdCommand({ IdentityPoolId, Logins }))).IdentityId!;
      credentials = (await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins }))).Credentials!;
    } finally {
      idp.destroy();
      identity.destroy();
    }
  }, 240_000);

  afterAll(async () => {
    s3?.destroy();
    await dev?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the handler writes and reads its object with the role's credentials and answers with what it read", async () => {
    expect(await signedGet("/private")).toEqual({ status: 200, body: `Hello ${identityId}!` });
    const stored = await s3.send(new GetObjectCommand({ Bucket: GREETINGS_BUCKET, Key: `greetings/${identityId}.txt` }));
    expect(await stored.Body!.transformToString()).toBe(`Hello ${identityId}!`);
  }, 60_000);

  test("a bucket the role's policies do not name is refused to the handler as AWS refuses it", async () => {
    const answer = await signedGet(`/private?bucket=${SOMEONE_ELSES}`);
    expect(answer.status).toBe(502);
    const { error, message } = JSON.parse(answer.body) as { error: string; message: string };
    expect(error).toBe("AccessDenied");
    expect(message).toContain("s3:PutObject");
    expect(message).toContain(`arn:aws:s3:::${SOMEONE_ELSES}/greetings/${identityId}.txt`);
  }, 60_000);
});
