import { createHash, timingSafeEqual } from "node:crypto";
import { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "../../shared/sha256";
import {
  amz,
  equalSecrets,
  expectedAuthorization,
  headerValue,
  MAX_CLOCK_SKEW_MS,
  MESSAGES,
  parseAmzDate,
  parseAuthorization,
  parseQuery,
  SigningKey,
} from "./sigv4-verifier";

/**
 * SigV4 authentication of a request to any AWS service the local cloud serves: the service and region come from
 * the request's own credential scope, the signature is recomputed by @smithy/signature-v4 (through the shared
 * verifier's `expectedAuthorization`) with the secret of a key the local cloud knows. Both forms are verified: an
 * `Authorization` header and a presigned URL (`X-Amz-Credential`, `X-Amz-Signature` in the query).
 *
 * S3 alone signs `UNSIGNED-PAYLOAD` or a `STREAMING-*` value instead of the body's hash; the header signature is
 * then checked with that literal value, and the body needs no reading (the chunk signatures of `aws-chunked`
 * bodies are not checked).
 */

/** What a request claims about its signature, read without verifying anything. */
export interface SignatureClaim {
  readonly form: "header" | "query";
  readonly accessKeyId: string;
  /** The credential scope's region and signing name (`s3`, `dynamodb`, `logs`, `lambda`, `sts`, ...). */
  readonly region: string;
  readonly service: string;
}

/** A key the local cloud knows, with what the signature check needs. */
export interface KnownKey extends SigningKey {
  /** When temporary credentials stop working; `undefined` for the long-term local key pair. */
  readonly expiration?: Date;
}

/** Why a signed request is refused; the front words it as the service would. */
export type SignatureFault = "unknownKey" | "invalidToken" | "expiredToken" | "badSignature" | "malformed";

/** The outcome of {@link verifyRequestSignature}. */
export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly fault: SignatureFault; readonly message: string };

/** A request as received; `body` is `undefined` when {@link needsBody} said it is not needed. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query as received, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body?: Buffer;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** The query parameters of a presigned URL that are the signature, not part of what was signed. */
const PRESIGN_PARAMETERS = ["x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token"];
/** SigV4's limit on `X-Amz-Expires`: one week. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;
const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/**
 * The signature claim of a request: `undefined` when it carries none (no `Authorization` header, no
 * `X-Amz-Credential` or `X-Amz-Signature` parameter), a message when it carries one that cannot be read or a
 * Signature Version 2 one, which the local cloud does not verify.
 */
export function signatureClaim(url: string, headers: IncomingHttpHeaders): SignatureClaim | string | undefined {
  const authorization = headerValue(headers, "authorization");
  const query = presignQuery(url);
  const presigned = query !== undefined && (query["x-amz-credential"] !== undefined || query["x-amz-signature"] !== undefined);
  if (authorization?.startsWith("AWS ") || (query?.["awsaccesskeyid"] !== undefined && query?.["signature"] !== undefined)) {
    return "the local cloud verifies Signature Version 4 only, not Signature Version 2 (AWSAccessKeyId/Signature): sign with SigV4 (for the AWS CLI's s3 presign: aws configure set default.s3.signature_version s3v4)";
  }
  if (authorization !== undefined && presigned) return "a request is signed either by an Authorization header or in its query (presigned URL), not both";
  if (authorization !== undefined) {
    const match = CREDENTIAL.exec(authorization);
    if (!match) return `Authorization header '${authorization.slice(0, 200)}' has no Credential=<key>/<date>/<region>/<service>/aws4_request`;
    return { form: "header", accessKeyId: match[1], region: match[3], service: match[4] };
  }
  if (!presigned) return undefined;
  const match = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(String(query["x-amz-credential"] ?? ""));
  if (!match) return `X-Amz-Credential '${String(query["x-amz-credential"] ?? "")}' is not <key>/<date>/<region>/<service>/aws4_request`;
  return { form: "query", accessKeyId: match[1], region: match[3], service: match[4] };
}

/** Whether the body must be read to verify the signature: not for S3 requests that sign a literal payload value. */
export function needsBody(claim: SignatureClaim, headers: IncomingHttpHeaders): boolean {
  return claim.service !== "s3" || literalPayload(claim, headers) === undefined;
}

/**
 * Verifies a signed request with `key`, the key pair of the claim's access key id (`undefined`: unknown key).
 * Resolves to a verdict; it never rejects.
 */
export async function verifyRequestSignature(request: SignedRequest, claim: SignatureClaim, key: KnownKey | undefined, now = Date.now()): Promise<SignatureVerdict> {
  try {
    return claim.form === "header" ? await verifyHeader(request, claim, key, now) : await verifyQuery(request, claim, key, now);
  } catch (error) {
    return fault("malformed", `the local cloud could not verify the signature: ${(error as Error).message}`);
  }
}

async function verifyHeader(request: SignedRequest, claim: SignatureClaim, key: KnownKey | undefined, now: number): Promise<SignatureVerdict> {
  const { path, query } = splitUrl(request.url);
  if (query === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  const authorization = headerValue(request.headers, "authorization")!;
  const amzDate = headerValue(request.headers, "x-amz-date");
  const parsed = parseAuthorization(authorization, amzDate !== undefined || headerValue(request.headers, "date") !== undefined);
  if (typeof parsed === "string") return fault("malformed", parsed);
  if (parsed.algorithm !== ALGORITHM) return fault("malformed", MESSAGES.unsupportedAlgorithm(parsed.algorithm));
  if (!hostSigned(parsed.signedHeaders)) return fault("badSignature", MESSAGES.hostNotSigned);
  if (amzDate === undefined) return fault("malformed", MESSAGES.dateHeaderUnsupported);
  const dated = checkDate(amzDate, parsed.credential.split("/")[1], now);
  if (typeof dated === "string") return fault("badSignature", dated);

  const known = checkKey(key, headerValue(request.headers, "x-amz-security-token"), now);
  if (known !== undefined) return known;

  const payloadHash = payloadHashOf(request, claim);
  if (payloadHash === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  const expected = await expectedAuthorization(
    { method: request.method, url: request.url, headers: request.headers, body: request.body ?? Buffer.alloc(0) },
    path,
    query,
    parsed.signedHeaders,
    payloadHash,
    dated,
    key!,
    claim.region,
    claim.service,
    claim.service !== "s3",
  );
  if (expected === undefined || expected.signedHeaders !== parsed.signedHeaders) return fault("badSignature", MESSAGES.signatureMismatch);
  return sameSignature(expected.signature, parsed.signature) ? { ok: true } : fault("badSignature", MESSAGES.signatureMismatch);
}

async function verifyQuery(request: SignedRequest, claim: SignatureClaim, key: KnownKey | undefined, now: number): Promise<SignatureVerdict> {
  const { path, query } = splitUrl(request.url);
  const lower = presignQuery(request.url);
  if (query === undefined || lower === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  const algorithm = String(lower["x-amz-algorithm"] ?? "");
  if (algorithm !== ALGORITHM) return fault("malformed", MESSAGES.unsupportedAlgorithm(algorithm));
  const amzDate = String(lower["x-amz-date"] ?? "");
  const signature = String(lower["x-amz-signature"] ?? "");
  const signedHeaders = String(lower["x-amz-signedheaders"] ?? "");
  const expires = Number(lower["x-amz-expires"]);
  if (!signature || !signedHeaders || !Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    return fault("malformed", `a presigned URL needs X-Amz-Signature, X-Amz-SignedHeaders and X-Amz-Expires (1 to ${MAX_EXPIRES_SECONDS} seconds)`);
  }
  if (!hostSigned(signedHeaders)) return fault("badSignature", MESSAGES.hostNotSigned);
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === undefined) return fault("malformed", MESSAGES.invalidAmzDate(amzDate));
  if (String(lower["x-amz-credential"]).split("/")[1] !== amzDate.slice(0, 8)) return fault("malformed", MESSAGES.scopeDateMismatch(String(lower["x-amz-credential"]).split("/")[1], amzDate));
  if (signingDate.getTime() > now + MAX_CLOCK_SKEW_MS) return fault("badSignature", MESSAGES.signatureNotYetCurrent(amzDate, amz(now + MAX_CLOCK_SKEW_MS), amz(now)));
  if (signingDate.getTime() + expires * 1000 < now) return fault("expiredToken", "Request has expired");

  const known = checkKey(key, lower["x-amz-security-token"] === undefined ? undefined : String(lower["x-amz-security-token"]), now);
  if (known !== undefined) return known;

  const signed = new Set(signedHeaders.split(";"));
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  // What presigned URLs sign in place of the body: S3's literal, the body's hash elsewhere.
  headers["x-amz-content-sha256"] = claim.service === "s3" ? UNSIGNED_PAYLOAD : sha256Hex(request.body ?? Buffer.alloc(0));
  const unsignedQuery = Object.fromEntries(Object.entries(query).filter(([name]) => !PRESIGN_PARAMETERS.includes(name.toLowerCase())));
  const signer = new SignatureV4({
    service: claim.service,
    region: claim.region,
    credentials: { accessKeyId: key!.accessKeyId, secretAccessKey: key!.secretAccessKey, sessionToken: key!.sessionToken },
    sha256: Sha256,
    uriEscapePath: claim.service !== "s3",
  });
  const presigned = await signer.presign(
    { method: request.method, protocol: "http:", hostname: headerValue(request.headers, "host") ?? "localhost", path, query: unsignedQuery, headers },
    {
      signingDate,
      expiresIn: expires,
      signingRegion: claim.region,
      signingService: claim.service,
      signableHeaders: signed,
      unsignableHeaders: new Set(Object.keys(headers).filter((name) => !signed.has(name))),
      // The client sent these as headers: they stay headers, as they were signed.
      unhoistableHeaders: new Set(Object.keys(headers)),
    },
  );
  if (presigned.query?.["X-Amz-SignedHeaders"] !== signedHeaders) return fault("badSignature", MESSAGES.signatureMismatch);
  return sameSignature(String(presigned.query?.["X-Amz-Signature"]), signature) ? { ok: true } : fault("badSignature", MESSAGES.signatureMismatch);
}

/** The signing date, or the message when it is malformed, does not match the scope, or is too far from the clock. */
function checkDate(amzDate: string, scopeDate: string | undefined, now: number): Date | string {
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === undefined) return MESSAGES.invalidAmzDate(amzDate);
  if (scopeDate !== amzDate.slice(0, 8)) return MESSAGES.scopeDateMismatch(scopeDate ?? "", amzDate);
  if (signingDate.getTime() < now - MAX_CLOCK_SKEW_MS) return MESSAGES.signatureExpired(amzDate, amz(now - MAX_CLOCK_SKEW_MS), amz(now));
  if (signingDate.getTime() > now + MAX_CLOCK_SKEW_MS) return MESSAGES.signatureNotYetCurrent(amzDate, amz(now + MAX_CLOCK_SKEW_MS), amz(now));
  return signingDate;
}

/** A fault when the key is unknown, its session token missing or wrong, or it has expired; `undefined` when it is good. */
function checkKey(key: KnownKey | undefined, token: string | undefined, now: number): SignatureVerdict | undefined {
  if (key === undefined) return fault("unknownKey", MESSAGES.invalidToken);
  // Temporary keys work only with the token issued with them, as in STS.
  if (key.sessionToken !== undefined && (token === undefined || !equalSecrets(token, key.sessionToken))) return fault("invalidToken", MESSAGES.invalidToken);
  if (key.expiration !== undefined && key.expiration.getTime() <= now) return fault("expiredToken", MESSAGES.expiredToken);
  return undefined;
}

/**
 * The payload hash to verify with: S3's literal value as sent, else the body's hash; `undefined` when the client
 * claims a hash that is not the body's (a valid signature would otherwise vouch for a body swapped in transit).
 */
function payloadHashOf(request: SignedRequest, claim: SignatureClaim): string | undefined {
  const literal = literalPayload(claim, request.headers);
  if (literal !== undefined) return literal;
  const bodyHash = sha256Hex(request.body ?? Buffer.alloc(0));
  const claimed = headerValue(request.headers, "x-amz-content-sha256");
  return claimed === undefined || claimed.toLowerCase() === bodyHash ? bodyHash : undefined;
}

/** S3's `UNSIGNED-PAYLOAD` or `STREAMING-*` payload hash, when the request signs one of them. */
function literalPayload(claim: SignatureClaim, headers: IncomingHttpHeaders): string | undefined {
  const claimed = headerValue(headers, "x-amz-content-sha256");
  if (claim.service !== "s3" || claimed === undefined) return undefined;
  return claimed === UNSIGNED_PAYLOAD || claimed.startsWith("STREAMING-") ? claimed : undefined;
}

/** The path and the decoded query of a URL as received (`query` is `undefined` for a malformed escape). */
function splitUrl(url: string): { path: string; query: Record<string, string | string[]> | undefined } {
  const start = url.indexOf("?");
  return { path: start < 0 ? url : url.slice(0, start), query: parseQuery(start < 0 ? "" : url.slice(start + 1)) };
}

/** The query with lower-case names, to find the presigning parameters whatever their case. */
function presignQuery(url: string): Record<string, string | string[]> | undefined {
  const query = splitUrl(url).query;
  return query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Whether `host` is among the signed headers: otherwise a signature made for one host would pass at another. */
function hostSigned(signedHeaders: string): boolean {
  return signedHeaders.toLowerCase().split(";").includes("host");
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function sameSignature(expected: string, received: string): boolean {
  const want = Buffer.from(expected, "utf8");
  const got = Buffer.from(received, "utf8");
  return want.length === got.length && timingSafeEqual(want, got);
}

function fault(kind: SignatureFault, message: string): SignatureVerdict {
  return { ok: false, fault: kind, message };
}
