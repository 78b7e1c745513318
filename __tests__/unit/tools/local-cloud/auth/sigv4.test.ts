import { SignatureV4 } from "@smithy/signature-v4";
import { KnownKey, needsBody, SignatureClaim, signatureClaim, SignedRequest, verifySignatureClaim } from "../../../../../tools/local-cloud/auth/sigv4";
import { Sha256 } from "../../../../../tools/shared/sha256";

const HOST = "127.0.0.1:4566";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const LOCAL: KnownKey = { accessKeyId: "test", secretAccessKey: "test" };
const SESSION: KnownKey = { accessKeyId: "ASIAEXAMPLE000000001", secretAccessKey: "s".repeat(40), sessionToken: "token-1", expiration: new Date(NOW + 3600_000) };

/** A request signed by the SDK's own signer, as the front would receive it. */
async function signed(
  service: string,
  options: { method?: string; path?: string; body?: string; headers?: Record<string, string>; key?: KnownKey; unsignable?: string[] } = {},
): Promise<SignedRequest & { claim: SignatureClaim }> {
  const key = options.key ?? LOCAL;
  const signer = new SignatureV4({ service, region: "us-east-1", credentials: key, sha256: Sha256, uriEscapePath: service !== "s3" });
  const [path, query = ""] = (options.path ?? "/").split("?");
  const request = await signer.sign(
    {
      method: options.method ?? "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 4566,
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers: { host: HOST, ...options.headers },
      body: options.body,
    },
    { signingDate: new Date(NOW), unsignableHeaders: new Set(options.unsignable ?? []) },
  );
  const url = query ? `${path}?${query}` : path;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const claim = signatureClaim(url, headers);
  if (typeof claim !== "object") throw new Error(`no claim: ${claim}`);
  return { method: request.method, url, headers, body: Buffer.from(options.body ?? ""), claim };
}

const verify = (request: SignedRequest & { claim: SignatureClaim }, key: KnownKey | undefined, now = NOW) => verifySignatureClaim(request, request.claim, key, now);

describe("verifySignatureClaim", () => {
  test("accepts a DynamoDB request signed with the local key pair, with its service and region from the scope", async () => {
    const request = await signed("dynamodb", { body: '{"TableName":"t"}', headers: { "x-amz-target": "DynamoDB_20120810.GetItem" } });
    expect(request.claim).toEqual({ form: "header", accessKeyId: "test", region: "us-east-1", service: "dynamodb" });
    expect(needsBody(request.claim, request.headers)).toBe(true);
    expect(await verify(request, LOCAL)).toEqual({ ok: true, caller: LOCAL });
  });

  test("refuses a body swapped after signing, a wrong secret and an unknown key", async () => {
    const request = await signed("dynamodb", { body: '{"TableName":"t"}' });
    expect(await verify({ ...request, body: Buffer.from('{"TableName":"other"}') }, LOCAL)).toMatchObject({ ok: false, fault: "badSignature" });
    expect(await verify(request, { ...LOCAL, secretAccessKey: "wrong" })).toMatchObject({ ok: false, fault: "badSignature" });
    expect(await verify(request, undefined)).toMatchObject({ ok: false, fault: "unknownKey" });
  });

  test("temporary keys need their own session token and must not have expired", async () => {
    const request = await signed("logs", { body: "{}", key: SESSION });
    expect(await verify(request, SESSION)).toEqual({ ok: true, caller: SESSION });
    expect(await verify(request, { ...SESSION, sessionToken: "token-2" })).toMatchObject({ ok: false, fault: "invalidToken" });
    expect(await verify(request, SESSION, NOW + 3600_000)).toMatchObject({ ok: false, fault: "badSignature" }); // the signature's own date is stale first
    expect(await verify(request, { ...SESSION, expiration: new Date(NOW - 1) })).toMatchObject({ ok: false, fault: "expiredToken" });
  });

  test("S3 signs UNSIGNED-PAYLOAD literally: the body is not needed, and a path encoded once verifies", async () => {
    const request = await signed("s3", { method: "PUT", path: "/bucket/a%20b.txt", headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    expect(needsBody(request.claim, request.headers)).toBe(false);
    expect(await verify({ ...request, body: undefined }, LOCAL)).toEqual({ ok: true, caller: LOCAL });
    expect(await verify({ ...request, url: "/bucket/other.txt", body: undefined }, LOCAL)).toMatchObject({ ok: false, fault: "badSignature" });
  });

  test("a signature that leaves the host unsigned is refused", async () => {
    const request = await signed("dynamodb", { body: "{}", unsignable: ["host"] });
    expect(await verify(request, LOCAL)).toMatchObject({ ok: false, fault: "badSignature", message: expect.stringMatching(/'Host'.*SignedHeader/) });
  });

  test("presigned URLs are verified, and an altered one is refused", async () => {
    const signer = new SignatureV4({ service: "s3", region: "us-east-1", credentials: SESSION, sha256: Sha256, uriEscapePath: false });
    const presigned = await signer.presign(
      { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 4566, path: "/bucket/key", query: {}, headers: { host: HOST, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } },
      { signingDate: new Date(NOW), expiresIn: 300, unsignableHeaders: new Set(["x-amz-content-sha256"]), unhoistableHeaders: new Set(["x-amz-content-sha256"]) },
    );
    const url = `/bucket/key?${new URLSearchParams(presigned.query as Record<string, string>).toString()}`;
    const claim = signatureClaim(url, { host: HOST });
    expect(claim).toMatchObject({ form: "query", accessKeyId: SESSION.accessKeyId, service: "s3" });
    const request = { method: "GET", url, headers: { host: HOST } };
    expect(await verifySignatureClaim(request, claim as SignatureClaim, SESSION, NOW)).toEqual({ ok: true, caller: SESSION });
    expect(await verifySignatureClaim({ ...request, url: url.replace("/key", "/other") }, claim as SignatureClaim, SESSION, NOW)).toMatchObject({ fault: "badSignature" });
    expect(await verifySignatureClaim(request, claim as SignatureClaim, SESSION, NOW + 301_000)).toMatchObject({ fault: "expiredToken" });
  });
});

describe("signatureClaim", () => {
  test("an unsigned request has none; SigV2 and unreadable credentials are named", () => {
    expect(signatureClaim("/bucket/key", {})).toBeUndefined();
    expect(signatureClaim("/b/k?AWSAccessKeyId=test&Signature=x&Expires=1", {})).toMatch(/Signature Version 4 only/);
    expect(signatureClaim("/", { authorization: "AWS4-HMAC-SHA256 Credential=oops" })).toMatch(/Credential=oops/);
  });
});
