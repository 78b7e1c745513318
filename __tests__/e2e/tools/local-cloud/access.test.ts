import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from "@aws-sdk/client-cognito-identity";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { RoleCredentials } from "../../../../tools/local-cloud/auth/role-sessions";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";
import { rejection } from "../../../support/rejection";

const run = promisify(execFile);
const REGION = LOCAL_REGION;
const ACCOUNT = "123456789012";
const TRUST_LAMBDA = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** What a process listens on, as `ss` lists it: `tcp 127.0.0.1:4599`, or `u_str <path>` for a Unix socket. */
async function listening(pid: number): Promise<string[]> {
  const { stdout } = await run("ss", ["-Hlnptx"], { timeout: 30_000 });
  return stdout
    .split("\n")
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => {
      const [netid, , , , local] = line.trim().split(/\s+/);
      return `${netid} ${local}`;
    });
}

/** What a command printed and how it ended; never rejects. */
interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describeWhen(missing("moto"))("local cloud access: only loopback names, known keys and allowed role calls", () => {
  let cloud: LocalCloud;
  let port: string;
  const notes: string[] = [];
  const suffix = randomBytes(4).toString("hex");
  const bucket = `access-${suffix}`;
  const otherBucket = `access-other-${suffix}`;
  const roleName = `access-fn-role-${suffix}`;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
  let session: RoleCredentials;
  /** What this process listened on before the cloud started (servers of earlier test files in this worker). */
  let before: string[];
  /** An AWS CLI configuration of its own: SigV4 for S3 presigned URLs too (the CLI presigns with SigV2 by default). */
  const configDir = ownFolder("access-test");
  const configFile = join(configDir, "config");
  writeFileSync(configFile, "[default]\ns3 =\n  signature_version = s3v4\n");

  /** The AWS CLI against the front, with these credentials (the local key pair by default). */
  async function aws(args: string[], credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_CREDENTIALS): Promise<Ran> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: REGION,
      AWS_MAX_ATTEMPTS: "1",
      AWS_RETRY_MODE: "standard",
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
    delete env.AWS_SESSION_TOKEN;
    delete env.AWS_PROFILE;
    if (credentials.sessionToken) env.AWS_SESSION_TOKEN = credentials.sessionToken;
    return run("aws", ["--endpoint-url", cloud.endpoint, ...args], { env, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === "number" ? error.code : 1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
    );
  }

  /** curl against the front: status and body. */
  async function curl(path: string, headers: string[] = []): Promise<{ status: number; body: string }> {
    const { stdout } = await run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", ...headers.flatMap((h) => ["-H", h]), `${cloud.endpoint}${path}`], { timeout: 30_000 });
    const lines = stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n") };
  }

  function s3As(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): S3Client {
    return new S3Client({ endpoint: cloud.endpoint, region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
  }

  beforeAll(async () => {
    before = await listening(process.pid);
    cloud = await startLocalCloud({ warmUp: false, onNote: (note) => notes.push(note) });
    port = new URL(cloud.endpoint).port;
    const config = { endpoint: cloud.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const iam = new IAMClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: otherBucket }));
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST_LAMBDA }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: "objects",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/notes/*` },
            { Effect: "Allow", Action: "dynamodb:GetItem", Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/allowed-table` },
          ],
        }),
      }),
    );
    s3.destroy();
    iam.destroy();
    session = cloud.roleSessions.issue(roleArn, "my-function");
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
    rmSync(configDir, { recursive: true, force: true });
  }, 30_000);

  test("the AWS CLI with a key pair the local cloud never issued is refused with UnrecognizedClientException", async () => {
    const result = await aws(["lambda", "list-functions"], { accessKeyId: "any", secretAccessKey: "any" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/UnrecognizedClientException/);
    expect(result.stderr).toMatch(/The security token included in the request is invalid/);
  }, 60_000);

  test("the local key pair test/test works, and a wrong secret for it is InvalidSignatureException", async () => {
    const ok = await aws(["lambda", "list-functions"]);
    expect(ok.stderr).toBe("");
    expect(JSON.parse(ok.stdout)).toHaveProperty("Functions");
    const forged = await aws(["lambda", "list-functions"], { accessKeyId: "test", secretAccessKey: "not-the-secret" });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toMatch(/InvalidSignatureException/);
  }, 60_000);

  test("S3 answers an unknown key with InvalidAccessKeyId and a wrong secret with SignatureDoesNotMatch", async () => {
    const unknown = await rejection(s3As({ accessKeyId: "AKIAUNKNOWN", secretAccessKey: "x" }).send(new ListObjectsV2Command({ Bucket: bucket })));
    expect(unknown.name).toBe("InvalidAccessKeyId");
    expect(unknown.$metadata?.httpStatusCode).toBe(403);
    const forged = await rejection(s3As({ accessKeyId: "test", secretAccessKey: "wrong" }).send(new ListObjectsV2Command({ Bucket: bucket })));
    expect(forged.name).toBe("SignatureDoesNotMatch");
  });

  test("a forged Host header is refused, naming the Host received and what is allowed", async () => {
    const { status, body } = await curl("/", [`Host: evil.example:${port}`]);
    expect(status).toBe(403);
    expect(body).toContain(`evil.example:${port}`);
    expect(body).toContain(`127.0.0.1:${port}, localhost:${port}`);
    // The right name with another port is a rebinding attempt too.
    expect((await curl("/", ["Host: localhost:1"])).status).toBe(403);
  });

  test("moto's own API is not reachable through the front", async () => {
    for (const path of ["/moto-api/", "/moto-api/reset", "/moto-api/data.json"]) {
      const { status, body } = await curl(path);
      expect(status).toBe(403);
      expect(body).toMatch(/moto-api/);
    }
  });

  test("moto is closed to every way in but the front: its socket sits in a 0700 directory of this user, and no TCP port leads to it", async () => {
    const directory = statSync(dirname(cloud.motoSocketPath));
    expect(directory.mode & 0o777).toBe(0o700);
    expect(directory.uid).toBe(process.getuid!());
    // This process looks behind the front on the socket itself...
    expect((await cloud.motoClient.request({ method: "GET", path: "/moto-api/" })).status).toBe(200);
    // ...and the cloud listens on one TCP port, the front's (no relay), while moto listens on its socket only.
    const opened = (await listening(process.pid)).filter((address) => !before.includes(address));
    expect(opened).toEqual([`tcp 127.0.0.1:${port}`]);
    expect(await listening(cloud.motoPid)).toEqual([`u_str ${cloud.motoSocketPath}`]);
  });

  test("unsigned requests pass only for operations AWS serves unsigned", async () => {
    const listTables = await curl("/", ["X-Amz-Target: DynamoDB_20120810.ListTables", "Content-Type: application/x-amz-json-1.0"]);
    expect(listTables.status).toBe(403);
    expect(JSON.parse(listTables.body).__type).toBe("MissingAuthenticationTokenException");
    // InitiateAuth is public: moto answers it (here: the client does not exist), not the front's refusal.
    const initiate = await run("curl", [
      "-s", "-X", "POST", "-H", "X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth", "-H", "Content-Type: application/x-amz-json-1.1",
      "-d", JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: "nope", AuthParameters: { USERNAME: "a", PASSWORD: "b" } }), cloud.endpoint,
    ]);
    expect(initiate.stdout).not.toMatch(/MissingAuthenticationToken/);
    expect(initiate.stdout).toMatch(/ResourceNotFoundException|NotAuthorizedException/);
  });

  test("identity pool credentials the front minted work, and STS names their assumed role", async () => {
    const config = { endpoint: cloud.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    const identity = new CognitoIdentityClient(config);
    const iam = new IAMClient(config);
    try {
      const guestRole = `access-guest-${suffix}`;
      const { Role } = await iam.send(new CreateRoleCommand({ RoleName: guestRole, AssumeRolePolicyDocument: TRUST_LAMBDA }));
      const pool = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: `access_${suffix}`, AllowUnauthenticatedIdentities: true }));
      await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool.IdentityPoolId, Roles: { unauthenticated: Role!.Arn! } }));
      // GetId and GetCredentialsForIdentity are public: an unsigned client gets guest credentials.
      const anonymous = new CognitoIdentityClient({ endpoint: cloud.endpoint, region: REGION, signer: { sign: async (request) => request }, maxAttempts: 1 });
      const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool.IdentityPoolId }));
      const { Credentials } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      anonymous.destroy();
      const caller = await aws(["sts", "get-caller-identity"], { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretKey!, sessionToken: Credentials!.SessionToken! });
      expect(caller.stderr).toBe("");
      expect(JSON.parse(caller.stdout)).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${guestRole}/CognitoIdentityCredentials` });
      // The session token belongs to its key: without it the key is refused.
      const tokenless = await aws(["sts", "get-caller-identity"], { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretKey! });
      expect(tokenless.stderr).toMatch(/InvalidClientTokenId/);
    } finally {
      identity.destroy();
      iam.destroy();
    }
  }, 90_000);

  test("a role session has the caller ARN Lambda gives a function's role", async () => {
    expect(session.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(Math.abs(session.expiration.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);
    const caller = await aws(["sts", "get-caller-identity"], session);
    expect(JSON.parse(caller.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/my-function`);
    expect(() => cloud.roleSessions.issue("not-an-arn", "my-function")).toThrow(/invalid role ARN "not-an-arn"/);
  }, 60_000);

  test("a role session allowed by its policy puts and gets an S3 object, and is refused elsewhere", async () => {
    const s3 = s3As(session);
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "notes/a.txt", Body: "hello" }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "notes/a.txt" }));
      expect(await got.Body!.transformToString()).toBe("hello");

      for (const [Bucket, Key] of [[bucket, "secrets/a.txt"], [otherBucket, "notes/a.txt"]]) {
        const denied = await rejection(s3.send(new PutObjectCommand({ Bucket, Key, Body: "x" })));
        expect(denied.name).toBe("AccessDenied");
        expect(denied.$metadata?.httpStatusCode).toBe(403);
      }
      // The refused write never reached moto.
      const local = s3As(LOCAL_CREDENTIALS);
      expect((await local.send(new ListObjectsV2Command({ Bucket: otherBucket }))).KeyCount).toBe(0);
      local.destroy();
      // Listing the bucket is s3:ListBucket, which the policy does not grant.
      expect((await rejection(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).name).toBe("AccessDenied");
    } finally {
      s3.destroy();
    }
  }, 60_000);

  test("a presigned S3 URL of a role session is verified: it works as signed and not when altered", async () => {
    const s3 = s3As(session);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "notes/a.txt", Body: "hello" }));
    s3.destroy();
    const allowed = await aws(["s3", "presign", `s3://${bucket}/notes/a.txt`, "--expires-in", "300"], session);
    const url = allowed.stdout.trim().replace(/^https?:\/\/[^/]+/, "");
    expect((await curl(url)).body).toBe("hello");
    const altered = await curl(url.replace("notes/a.txt", "notes/b.txt"));
    expect(altered.status).toBe(403);
    expect(altered.body).toMatch(/SignatureDoesNotMatch/);
    const denied = await aws(["s3", "presign", `s3://${otherBucket}/notes/a.txt`], session);
    expect((await curl(denied.stdout.trim().replace(/^https?:\/\/[^/]+/, ""))).body).toMatch(/AccessDenied/);
    // Signature Version 2 is not verified, so it is refused whatever key it names.
    const v2 = await curl(`/${bucket}/notes/a.txt?AWSAccessKeyId=test&Signature=abc&Expires=9999999999`);
    expect(v2.status).toBe(400);
    expect(v2.body).toMatch(/Signature Version 4 only/);
  }, 60_000);

  test("a web page of another origin cannot use a URL presigned with the published local key pair; a page on loopback can", async () => {
    const presigned = await aws(["s3", "presign", `s3://${bucket}/notes/a.txt`, "--expires-in", "300"]);
    const url = presigned.stdout.trim().replace(/^https?:\/\/[^/]+/, "");
    expect((await curl(url)).status).toBe(200);
    // What a browser sends for <img src=...> on another site, and for a form or fetch from it.
    const image = await curl(url, ["Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: no-cors"]);
    expect(image.status).toBe(403);
    expect(image.body).toContain("Sec-Fetch-Site: cross-site");
    const page = await curl(url, ["Origin: https://evil.example", "Sec-Fetch-Site: cross-site"]);
    expect(page.status).toBe(403);
    expect(page.body).toContain("https://evil.example");
    expect((await curl(url, ["Origin: http://localhost:3000", "Sec-Fetch-Site: cross-site"])).status).toBe(200);
  }, 60_000);

  test("a role session is refused a DynamoDB table its policy does not name, with AWS's message", async () => {
    const result = await aws(["dynamodb", "get-item", "--table-name", "other-table", "--key", '{"id":{"S":"1"}}'], session);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("AccessDeniedException");
    expect(result.stderr).toContain(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/my-function is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other-table because no identity-based policy allows the dynamodb:GetItem action`,
    );
    // The table the policy names passes the check and reaches moto, which has no such table.
    const allowed = await aws(["dynamodb", "get-item", "--table-name", "allowed-table", "--key", '{"id":{"S":"1"}}'], session);
    expect(allowed.stderr).toMatch(/ResourceNotFoundException/);
  }, 60_000);

  test("calls of services the local cloud does not authorize pass, with one note per action", async () => {
    notes.length = 0;
    for (let i = 0; i < 2; i++) expect((await aws(["lambda", "list-functions"], session)).stderr).toBe("");
    expect(notes).toEqual([expect.stringMatching(/^lambda:.* is not authorized locally/)]);
  }, 60_000);
});
