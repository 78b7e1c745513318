import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { addOpenRoute, copyProject } from "../../../../tools/bench/project-copy";
import { GREETINGS_BUCKET, useSdkHandler } from "../../../../tools/bench/use-sdk-handler";
import { DevEnvironment, startDev } from "../../../../tools/dev";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { describeWhen, missing } from "../../../support/requires";

const run = promisify(execFile);
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const EMAIL = "sdk@example.com";
const PASSWORD = "Passw0rd-for-sdk!";
const SOMEONE_ELSES = "someone-elses-bucket";

/**
 * A team's next steps while `npm run dev` runs, on a copy of the project with a session and cloud of its own:
 * infrastructure edits (a route and handler added to the stage stack (app/stacks/stage-stack.ts) are deployed, only the diff, and served without a restart;
 * the new handler reloads on edit like the others; a main.ts that does not compile is reported in one line while the
 * last good deployment keeps serving), then a handler that calls AWS with its role's credentials.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev on a project copy: infrastructure edits, and a handler calling AWS", () => {
  let project: string;
  let dev: DevEnvironment;
  const logs: string[] = [];

  /** The status and body of a GET of the local API. */
  const get = async (path: string) => {
    const response = await fetch(`${dev.api.url}${path}`);
    return { status: response.status, body: await response.text() };
  };

  /** Polls until `check` holds, or fails naming `what` after `ms`. */
  async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
    for (const started = Date.now(); !(await check()); ) {
      if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms; log:\n${logs.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    project = copyProject("dev-infra-");
    dev = await startDev({ workdir: join(project, ".tfwork", "dev"), projectRoot: project, runningCloud: false, log: (line) => logs.push(line) });
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  }, 30_000);

  test("a route and handler added to the stage stack (app/stacks/stage-stack.ts) are served without a restart, and the new handler reloads on edit", async () => {
    expect(await get("/hello")).toMatchObject({ status: 404 });
    addOpenRoute(project, "hello", "Hello, new route!");

    await eventually("GET /hello answers", async () => (await get("/hello")).status === 200);
    expect(await get("/hello")).toEqual({ status: 200, body: "Hello, new route!" });
    expect(await get("/public")).toEqual({ status: 200, body: "Hello stranger!" });
    expect(dev.manifest.api.routes["GET /hello"]).toEqual({ authorizationType: "NONE", function: "api-auth-cognito-dev-hello" });
    expect(logs.filter((line) => line.startsWith("redeployed "))).toEqual([expect.stringMatching(/^redeployed api-auth-cognito-dev in \d+ ms \([1-9]\d* changed\)$/)]);

    // The handler reloader keeps the new function too.
    writeFileSync(join(project, "lambdas", "hello.ts"), readFileSync(join(project, "lambdas", "hello.ts"), "utf8").replace("Hello, new route!", "Hello again!"));
    await eventually("the edited hello handler answers", async () => (await get("/hello")).body === "Hello again!", 30_000);
  }, 240_000);

  test("a main.ts that does not compile: one line, and the last good deployment keeps serving", async () => {
    const before = logs.length;
    const main = readFileSync(join(project, "main.ts"), "utf8");
    writeFileSync(join(project, "main.ts"), `${main}\nconst = ;\n`);
    await eventually("the failed redeploy is reported", () => logs.slice(before).some((line) => line.startsWith("redeploy failed")), 60_000);
    const reported = logs.slice(before).filter((line) => line.startsWith("redeploy failed"));
    expect(reported).toHaveLength(1);
    expect(reported[0]).not.toContain("\n");
    expect(reported[0]).toMatch(/^redeploy failed, the last good deployment keeps serving: synth failed: \S*main\.ts:\d+:\d+: ERROR: /);
    expect(await get("/public")).toEqual({ status: 200, body: "Hello stranger!" });
    expect(await get("/hello")).toEqual({ status: 200, body: "Hello again!" });
  }, 120_000);

  /**
   * A team's first real handler: GET /private swapped for one that stores and reads an S3 object with an unmodified
   * `new S3Client({})` (tools/bench/sdk-handler.ts, installed by use-sdk-handler.ts as a team would: bucket, grant,
   * environment, save), reached by a signed-in user's SigV4-signed request. The handler's credentials are its
   * execution role's, minted by the local cloud, and its calls are authorized against that role's policies.
   */
  describe("a handler calling AWS through the SDK", () => {
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
      const endpoint = dev.cloud.endpoint;
      await useSdkHandler(dev, project);
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

    afterAll(() => s3?.destroy());

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
});
