import { randomBytes } from "node:crypto";
import { ClientRequest, IncomingMessage, request as httpRequest } from "node:http";
import { text } from "node:stream/consumers";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { Sha256 } from "../../../../tools/shared/sha256";
import { describeWhen, missing } from "../../../support/requires";

const MIB = 1024 * 1024;

/** An answer: status, headers and body. */
interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** Whether the front asked for the body (`100 Continue`) before it answered. */
  readonly continued: boolean;
}

/** Reads a response whole. */
async function answerOf(res: IncomingMessage, continued: () => boolean): Promise<Answer> {
  const body = await text(res);
  return { status: res.statusCode ?? 0, headers: res.headers, body, continued: continued() };
}

/**
 * A request that declares `length` bytes and waits for `100 Continue` before it would send them (as the SDKs and curl
 * do for large bodies). A front that asks for them gets none: the request is cut off and counted as `continued`.
 */
function declaring(endpoint: string, path: string, headers: Record<string, string>, length: number): Promise<Answer> {
  const { hostname, port } = new URL(endpoint);
  let continued = false;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method: "POST", path, headers: { ...headers, "content-length": String(length), expect: "100-continue" }, agent: false });
    req.on("continue", () => {
      continued = true;
      req.destroy();
      resolve({ status: 0, headers: {}, body: "", continued });
    });
    req.on("response", (res) => void answerOf(res, () => continued).then(resolve, reject));
    req.on("error", reject);
    req.flushHeaders();
  });
}

/** The headers of a request signed with the local key pair for `service`, over an empty body (the front answers before it checks). */
async function signed(endpoint: string, service: string, path: string, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const { host } = new URL(endpoint);
  const signer = new SignatureV4({ service, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, sha256: Sha256 });
  return (await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", path, headers: { host, ...headers }, body: "" })).headers;
}

describeWhen(missing("moto"))("local cloud front: request bodies are capped per service, early", () => {
  let cloud: LocalCloud;
  let host: string;

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    host = new URL(cloud.endpoint).host;
  }, 30_000);

  afterAll(async () => {
    await cloud?.stop();
  }, 15_000);

  test("a Cognito call declaring 17 MiB is refused with 413 RequestEntityTooLargeException before its body is sent", async () => {
    const headers = { host, "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth", "content-type": "application/x-amz-json-1.1" };
    const answer = await declaring(cloud.endpoint, "/", headers, 17 * MIB);
    expect(answer).toMatchObject({ status: 413, continued: false });
    expect(answer.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException");
    expect(JSON.parse(answer.body)).toMatchObject({ __type: "RequestEntityTooLargeException", message: expect.stringMatching(/smaller than 16777216 bytes/) });
  });

  test("a chunked body without end is refused with 413 as soon as it passes the limit, while the client is still sending", async () => {
    const { hostname, port } = new URL(cloud.endpoint);
    let req: ClientRequest | undefined;
    const answer = await new Promise<Answer>((resolve, reject) => {
      req = httpRequest({ hostname, port, method: "POST", path: "/", agent: false, headers: { host, "x-amz-target": "AWSCognitoIdentityProviderService.SignUp", "content-type": "application/x-amz-json-1.1", "transfer-encoding": "chunked" } });
      req.on("response", (res) => void answerOf(res, () => true).then(resolve, reject));
      req.on("error", reject);
      // 17 MiB, and the request is never ended: only a front that counts while reading can answer it.
      const chunk = Buffer.alloc(MIB, 0x20);
      for (let i = 0; i < 17; i++) req.write(chunk);
    });
    req!.destroy();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
    expect(JSON.parse(answer.body).__type).toBe("RequestEntityTooLargeException");
  });

  test("Lambda takes up to its own 70,167,211 bytes (a 50 MB zip, base64): one more byte is 413, a 13 MiB zip (17 MiB in base64) is let through", async () => {
    const path = "/2015-03-31/functions";
    const over = await declaring(cloud.endpoint, path, await signed(cloud.endpoint, "lambda", path), 70_167_212);
    expect(over).toMatchObject({ status: 413, continued: false });
    expect(over.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException");

    const config = { endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const lambda = new LambdaClient(config);
    try {
      const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
      const { Role } = await iam.send(new CreateRoleCommand({ RoleName: `limits-${randomBytes(4).toString("hex")}`, AssumeRolePolicyDocument: trust }));
      // Over the 16 MiB of the other services once base64-encoded: only Lambda's own limit lets it in.
      const zip = randomBytes(13 * MIB);
      const FunctionName = `limits-${randomBytes(4).toString("hex")}`;
      await lambda.send(new CreateFunctionCommand({ FunctionName, Role: Role!.Arn!, Runtime: "nodejs22.x", Handler: "index.handler", Code: { ZipFile: zip } }));
      expect((await lambda.send(new GetFunctionCommand({ FunctionName }))).Configuration?.CodeSize).toBe(zip.length);
    } finally {
      iam.destroy();
      lambda.destroy();
    }
  }, 60_000);

  test("S3 takes a 24 MiB object (more than the other services' 16 MiB); a body over 5 GiB is refused with EntityTooLarge", async () => {
    const s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
    try {
      const Bucket = `limits-${randomBytes(4).toString("hex")}`;
      await s3.send(new CreateBucketCommand({ Bucket }));
      const data = randomBytes(24 * MIB);
      await s3.send(new PutObjectCommand({ Bucket, Key: "function.zip", Body: data }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: "function.zip" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);

      const path = `/${Bucket}/huge`;
      const over = await declaring(cloud.endpoint, path, await signed(cloud.endpoint, "s3", path, { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }), 5 * 1024 ** 3 + 1);
      // S3 answers EntityTooLarge with 400, not 413.
      expect(over).toMatchObject({ status: 400, continued: false });
      expect(over.body).toMatch(/<Code>EntityTooLarge<\/Code>/);
    } finally {
      s3.destroy();
    }
  }, 60_000);
});
