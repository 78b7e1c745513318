import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { text } from "node:stream/consumers";
import { promisify } from "node:util";
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { Sha256 } from "../../../../tools/shared/sha256";
import { describeWhen, missing } from "../../../support/requires";

const run = promisify(execFile);

/**
 * Spellings of `/moto-api/<operation>`. `motoServes`: moto itself routes this spelling to its own API (checked below
 * against moto directly); the others are refused because some server on the way might reduce them so.
 */
const SPELLINGS: readonly { readonly spelling: string; readonly target: (operation: string) => string; readonly motoServes: boolean }[] = [
  { spelling: "as is", target: (op) => `/moto-api/${op}`, motoServes: true },
  { spelling: "one letter percent-encoded", target: (op) => `/%6Doto-api/${op}`, motoServes: true },
  { spelling: "lower-case hex", target: (op) => `/%6doto-api/${op}`, motoServes: true },
  { spelling: "every letter encoded", target: (op) => `/%6D%6F%74%6F%2D%61%70%69/${op}`, motoServes: true },
  { spelling: "its slash encoded", target: (op) => `/moto-api%2F${op}`, motoServes: true },
  { spelling: "two leading slashes", target: (op) => `//moto-api/${op}`, motoServes: true },
  { spelling: "three leading slashes", target: (op) => `///moto-api/${op}`, motoServes: true },
  { spelling: "a fragment", target: (op) => `/moto-api/${op}#x`, motoServes: true },
  { spelling: "double-encoded", target: (op) => `/%256Doto-api/${op}`, motoServes: false },
  { spelling: "an encoded leading slash", target: (op) => `/%2Fmoto-api/${op}`, motoServes: false },
  { spelling: "a parent segment", target: (op) => `/x/../moto-api/${op}`, motoServes: false },
  { spelling: "a dot segment", target: (op) => `/./moto-api/${op}`, motoServes: false },
  { spelling: "a backslash", target: (op) => `/\\moto-api/${op}`, motoServes: false },
  { spelling: "a ;parameter", target: (op) => `/;x/moto-api/${op}`, motoServes: false },
  { spelling: "upper case", target: (op) => `/MOTO-API/${op}`, motoServes: false },
  { spelling: "absolute-form", target: (op) => `http://x/moto-api/${op}`, motoServes: true },
];

/** A request with its target exactly as given (fetch and the SDKs would normalise it): status and body. */
function send(endpoint: string, method: string, target: string, headers: Record<string, string>, body = ""): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path: target, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      text(res).then((answer) => resolve({ status: res.statusCode ?? 0, body: answer }), reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The headers of a request signed with the local key pair for cognito-identity, over this exact target. */
async function signedHeaders(endpoint: string, target: string, body: string): Promise<Record<string, string>> {
  const { host } = new URL(endpoint);
  const signer = new SignatureV4({ service: "cognito-identity", region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", path: target, headers: { host, "x-amz-target": "AWSCognitoIdentityService.GetOpenIdToken" }, body });
  return signed.headers;
}

describeWhen(missing("moto"))("local cloud front: moto's own API is refused however its path is spelled", () => {
  let cloud: LocalCloud;
  let s3: S3Client;
  const bucket = `target-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: "still here" }));
  }, 30_000);

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("the spellings marked so are ones moto itself serves as its own API (asked directly, read-only)", async () => {
    const served = [];
    for (const { spelling, target, motoServes } of SPELLINGS.filter((s) => s.motoServes)) {
      const { status, body } = await cloud.motoClient.request({ method: "GET", path: target("data.json") });
      served.push({ spelling, motoServes, answered: status === 200 && body.toString("utf8").startsWith("{") });
    }
    expect(served.filter((s) => !s.answered)).toEqual([]);
  });

  test("every spelling of /moto-api/reset is refused with 403, unsigned or signed, and the emulator's state survives", async () => {
    const answers = [];
    for (const { spelling, target } of SPELLINGS) {
      const unsignedHeaders = { host: new URL(cloud.endpoint).host, "x-amz-target": "AWSCognitoIdentityService.GetOpenIdToken" };
      for (const [how, headers] of [["unsigned", unsignedHeaders], ["signed", await signedHeaders(cloud.endpoint, target("reset"), "{}")]] as const) {
        const { status, body } = await send(cloud.endpoint, "POST", target("reset"), headers, "{}");
        const type = body.startsWith("{") ? (JSON.parse(body) as { __type: string }).__type : body.slice(0, 40);
        answers.push({ spelling, how, status, type });
      }
    }
    expect(answers.filter((a) => a.status !== 403 || a.type !== "AccessDeniedException")).toEqual([]);
    // Nothing was reset: the bucket and its object made before are still there.
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "kept" }))).Body!.transformToString()).toBe("still here");
  });

  test("the issue's curl command is refused, and /%6Doto-api/config neither reads nor writes moto's settings", async () => {
    for (const path of ["/%6Doto-api/reset", "/%6Doto-api/config"]) {
      const { stdout } = await run("curl", ["-s", "-w", "\n%{http_code}", "-X", "POST", `${cloud.endpoint}${path}`, "-H", "x-amz-target: AWSCognitoIdentityService.GetOpenIdToken", "-d", "{}"]);
      const [body, status] = stdout.split("\n");
      expect(status).toBe("403");
      expect(JSON.parse(body)).toMatchObject({ __type: "AccessDeniedException", message: expect.stringMatching(/moto's own API/) });
    }
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  }, 30_000);

  test("S3 object keys with encoded characters, or named like moto's API, still work through the front", async () => {
    const keys = ["a/b%2Fc", "moto-api/reset", "%6Doto-api/reset", "x/../moto-api/config", "sp ace+plus&=?#;", "back\\slash", "été/ünïcode"];
    for (const Key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `body of ${Key}` }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString()).toBe(`body of ${Key}`);
    }
  });
});
