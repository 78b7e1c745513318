import { createHash, timingSafeEqual } from "node:crypto";
import { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Awaitable } from "../cloud-view";
import { headerValue } from "../protocol/headers";
import type { IssuedCredentials } from "../services/cognito-identity";
import { Sha256 } from "../../shared/sha256";

/**
 * SigV4 authentication against the keys the local cloud knows, for its two servers: the front, for a request to any
 * AWS service it serves (the service and region come from the request's own credential scope; an `Authorization`
 * header or a presigned URL, `X-Amz-Credential` and `X-Amz-Signature` in the query), and the local API Gateway's
 * `AWS_IAM` routes (one scope, the header form only, refused in API Gateway's words).
 *
 * The signature is recomputed by `@smithy/signature-v4`, the signer of the AWS SDK for JavaScript, over exactly the
 * headers the client signed; this module never builds a canonical request or an HMAC itself.
 *
 * S3 alone signs `UNSIGNED-PAYLOAD` or a `STREAMING-*` value instead of the body's hash; the header signature is
 * then checked with that literal value, and the body needs no reading (the chunk signatures of `aws-chunked`
 * bodies are not checked).
 */

/** A request as received. */
export interface SignedRequest {
  readonly method: string;
  /** The path and query exactly as received (`req.url`), still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole body; `undefined` when {@link needsBody} said the signature does not cover it. */
  readonly body?: Buffer;
}

/** A key the local cloud knows, with what the signature check needs. */
export interface KnownKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The token temporary credentials work with only; `undefined` for the long-term local key pair. */
  readonly sessionToken?: string;
  /** When temporary credentials stop working; `undefined` for the long-term local key pair. */
  readonly expiration?: Date;
}

/** Why a signed request is refused; the front words it as the service would, API Gateway answers 403 with `message`. */
export type SignatureFault = "unknownKey" | "invalidToken" | "expiredToken" | "badSignature" | "malformed" | "missingAuthentication";

/** The outcome of a verification: the key the request was signed with, or why it is refused. */
export type SignatureVerdict<Key extends KnownKey = KnownKey> =
  | { readonly ok: true; readonly caller: Key }
  /** `message` is what the service puts in its refusal (API Gateway: its `{"message": ...}` body). */
  | { readonly ok: false; readonly fault: SignatureFault; readonly message: string };

/** What a request claims about its signature, read without verifying anything. */
export interface SignatureClaim {
  readonly form: "header" | "query";
  readonly accessKeyId: string;
  /** The credential scope's region and signing name (`s3`, `dynamodb`, `logs`, `lambda`, `sts`, ...). */
  readonly region: string;
  readonly service: string;
}

/** Options of {@link verifySignedRequest}. */
export interface VerifyOptions {
  /** The region the API is served in; the credential scope must name it. */
  readonly region: string;
  /** The signing name the credential scope must name. @default "execute-api" */
  readonly service?: string;
  /** The clock, in milliseconds since the epoch: request date and credential expiry. @default Date.now */
  readonly now?: () => number;
}

/** How far the request date may be from the clock, as in AWS. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const TERMINATOR = "aws4_request";
/** `20240101T000000Z`, the only form of `X-Amz-Date` SigV4 uses. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** The credential scope in an `Authorization` header, as {@link signatureClaim} reads it. */
const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
/** The query parameters of a presigned URL that are the signature, not part of what was signed. */
const PRESIGN_PARAMETERS = ["x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token"];
/** SigV4's limit on `X-Amz-Expires`: one week. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

/**
 * AWS's messages, verbatim (a trailing space is part of some), as AWS documents them or as API Gateway was seen to
 * send them in public bug reports. Those marked "not verified" follow AWS's wording as far as known.
 */
export const MESSAGES = {
  /**
   * An `AWS_IAM` route of an HTTP API called without any signature. Not verified against AWS documentation (REST
   * APIs answer "Missing Authentication Token" instead).
   */
  forbidden: "Forbidden",
  /** API Gateway REST APIs append the expected canonical request and string to sign; this is the first part. */
  signatureMismatch:
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  invalidToken: "The security token included in the request is invalid.",
  /** AWS's wording since SigV4 admitted HTTP/2 (older services said "'Host' must be a 'SignedHeader' ..."). */
  hostNotSigned: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
  expiredToken: "The security token included in the request is expired",
  wrongRegion: (region: string) => `Credential should be scoped to a valid region, not '${region}'. `,
  wrongService: (service: string) => `Credential should be scoped to correct service: '${service}'. `,
  signatureExpired: (date: string, earliest: string, now: string) => `Signature expired: ${date} is now earlier than ${earliest} (${now} - 5 min.)`,
  /** Not verified against AWS. */
  signatureNotYetCurrent: (date: string, latest: string, now: string) => `Signature not yet current: ${date} is still later than ${latest} (${now} + 5 min.)`,
  missingEqualSign: (part: string, authorization: string) => `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`,
  /** Not verified against AWS. */
  wrongTerminator: (terminator: string) => `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'. `,
  /** Not verified against AWS. */
  scopeDateMismatch: (scopeDate: string, amzDate: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
  /** The local cloud's own: API Gateway accepts these, the local API does not (yet). */
  presignedUnsupported: "The local cloud does not accept query-string (presigned URL) authentication: sign the request with an Authorization header.",
  unsupportedAlgorithm: (algorithm: string) => `The local cloud verifies ${ALGORITHM} signatures only, not '${algorithm}'.`,
  dateHeaderUnsupported: "The local cloud verifies signatures dated by an X-Amz-Date header only; this request has only a Date header.",
  invalidAmzDate: (value: string) => `The local cloud could not read X-Amz-Date '${value}': expected the form 20240101T000000Z.`,
} as const;

/**
 * Verifies a SigV4-signed request against the credentials the local cloud issued, as API Gateway does for a route
 * with `AWS_IAM` authorization: an `Authorization` header scoped to `options`' region and service. `credentials`
 * looks up a caller by access key id (`CloudView.identities.credentials`, in this process or over the control API).
 * Resolves to the caller, or to API Gateway's message (which it answers with a 403); it rejects only when the lookup does.
 */
export async function verifySignedRequest(
  request: SignedRequest,
  credentials: (accessKeyId: string) => Awaitable<IssuedCredentials | undefined>,
  options: VerifyOptions,
): Promise<SignatureVerdict<IssuedCredentials>> {
  const query = splitUrl(request.url).query;
  if (query === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  if (Object.keys(query).some((name) => /^x-amz-(signature|credential|algorithm)$/i.test(name))) return fault("malformed", MESSAGES.presignedUnsupported);
  if (headerValue(request.headers, "authorization") === undefined) return fault("missingAuthentication", MESSAGES.forbidden);
  const scope = { region: options.region, service: options.service ?? "execute-api", served: true };
  return verifyHeader(request, scope, credentials, (options.now ?? Date.now)());
}

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
  return literalPayload(claim.service, headers) === undefined;
}

/**
 * Verifies the signature a request claims ({@link signatureClaim}) with `key`, the key pair of the claim's access
 * key id (`undefined`: unknown key), in the claim's own scope. Resolves to a verdict; it never rejects.
 */
export async function verifySignatureClaim<Key extends KnownKey>(
  request: SignedRequest,
  claim: SignatureClaim,
  key: Key | undefined,
  now = Date.now(),
): Promise<SignatureVerdict<Key>> {
  try {
    if (claim.form === "query") return await verifyQuery(request, claim, key, now);
    return await verifyHeader(request, { region: claim.region, service: claim.service, served: false }, () => key, now);
  } catch (error) {
    return fault("malformed", `the local cloud could not verify the signature: ${(error as Error).message}`);
  }
}

/** The region and signing name a signature is verified in. */
interface Scope {
  readonly region: string;
  readonly service: string;
  /** Whether this is the one scope a server serves, which the credential must name, rather than the credential's own. */
  readonly served: boolean;
}

/** Verifies an `Authorization` header; `keyOf` is asked for the key only once the request is otherwise well formed and current. */
async function verifyHeader<Key extends KnownKey>(
  request: SignedRequest,
  scope: Scope,
  keyOf: (accessKeyId: string) => Awaitable<Key | undefined>,
  now: number,
): Promise<SignatureVerdict<Key>> {
  const { path, query } = splitUrl(request.url);
  if (query === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  const authorization = headerValue(request.headers, "authorization") ?? "";
  const amzDate = headerValue(request.headers, "x-amz-date");
  const parsed = parseAuthorization(authorization, amzDate !== undefined || headerValue(request.headers, "date") !== undefined);
  if (typeof parsed === "string") return fault("malformed", parsed);
  if (parsed.algorithm !== ALGORITHM) return fault("malformed", MESSAGES.unsupportedAlgorithm(parsed.algorithm));
  if (!hostSigned(parsed.signedHeaders)) return fault("badSignature", MESSAGES.hostNotSigned);

  // Credential=<key>/<date>/<region>/<service>/aws4_request; a key id never contains a slash.
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator, ...rest] = parsed.credential.split("/");
  if (scope.served) {
    if (terminator !== TERMINATOR || rest.length > 0) return fault("malformed", MESSAGES.wrongTerminator([terminator, ...rest].join("/")));
    // AWS reports both scope errors at once.
    const scopeErrors = (scopeRegion !== scope.region ? MESSAGES.wrongRegion(scopeRegion) : "") + (scopeService !== scope.service ? MESSAGES.wrongService(scope.service) : "");
    if (scopeErrors) return fault("badSignature", scopeErrors);
  }

  if (amzDate === undefined) return fault("malformed", MESSAGES.dateHeaderUnsupported);
  const signingDate = checkDate(amzDate, scopeDate, now);
  if (typeof signingDate === "string") return fault("badSignature", signingDate);

  const key = await keyOf(accessKeyId);
  const refused = checkKey(key, headerValue(request.headers, "x-amz-security-token"), now);
  if (refused !== undefined) return refused;

  const payloadHash = payloadHashOf(request, scope.service);
  if (payloadHash === undefined) return fault("badSignature", MESSAGES.signatureMismatch);
  const expected = await expectedAuthorization(request, path, query, parsed.signedHeaders, payloadHash, signingDate, key!, scope);
  if (expected === undefined || expected.signedHeaders !== parsed.signedHeaders) return fault("badSignature", MESSAGES.signatureMismatch);
  return sameSignature(expected.signature, parsed.signature) ? { ok: true, caller: key! } : fault("badSignature", MESSAGES.signatureMismatch);
}

/** Verifies a presigned URL. */
async function verifyQuery<Key extends KnownKey>(request: SignedRequest, claim: SignatureClaim, key: Key | undefined, now: number): Promise<SignatureVerdict<Key>> {
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

  const refused = checkKey(key, lower["x-amz-security-token"] === undefined ? undefined : String(lower["x-amz-security-token"]), now);
  if (refused !== undefined) return refused;

  const signed = new Set(signedHeaders.split(";"));
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  // What presigned URLs sign in place of the body: S3's literal, the body's hash elsewhere.
  headers["x-amz-content-sha256"] = claim.service === "s3" ? UNSIGNED_PAYLOAD : sha256Hex(request.body ?? Buffer.alloc(0));
  const unsignedQuery = Object.fromEntries(Object.entries(query).filter(([name]) => !PRESIGN_PARAMETERS.includes(name.toLowerCase())));
  const presigned = await signerOf(key!, claim).presign(
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
  return sameSignature(String(presigned.query?.["X-Amz-Signature"]), signature) ? { ok: true, caller: key! } : fault("badSignature", MESSAGES.signatureMismatch);
}

/** The parts of an `Authorization` header. */
interface ParsedAuthorization {
  readonly algorithm: string;
  readonly credential: string;
  /** As sent: lower-case names joined by `;`. */
  readonly signedHeaders: string;
  readonly signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, or gives API Gateway's message. */
function parseAuthorization(authorization: string, hasDateHeader: boolean): ParsedAuthorization | string {
  const trimmed = authorization.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const parameters = new Map<string, string>();
  for (const part of (space < 0 ? "" : trimmed.slice(space + 1)).split(",")) {
    const pair = part.trim();
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    if (equals < 0) return MESSAGES.missingEqualSign(pair, authorization);
    parameters.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
  }
  const missing = [
    parameters.get("Credential") ? "" : "Authorization header requires 'Credential' parameter. ",
    parameters.get("Signature") ? "" : "Authorization header requires 'Signature' parameter. ",
    parameters.get("SignedHeaders") ? "" : "Authorization header requires 'SignedHeaders' parameter. ",
    hasDateHeader ? "" : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
  ].join("");
  if (missing) return `${missing}Authorization=${authorization}`;
  return { algorithm, credential: parameters.get("Credential")!, signedHeaders: parameters.get("SignedHeaders")!, signature: parameters.get("Signature")! };
}

/**
 * What the `Authorization` header should say, by @smithy/signature-v4 with the key's secret: the same method, path,
 * query, date and payload hash, and only the headers the client signed.
 */
async function expectedAuthorization(
  request: SignedRequest,
  path: string,
  query: Record<string, string | string[]>,
  signedHeaderList: string,
  payloadHash: string,
  signingDate: Date,
  key: KnownKey,
  scope: Scope,
): Promise<{ signedHeaders: string; signature: string } | undefined> {
  const signed = new Set(signedHeaderList.split(";"));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // The signer takes the payload hash from this header; it is signed only if the client signed it.
  headers["x-amz-content-sha256"] = payloadHash;
  const unsigned = new Set(Object.keys(headers).filter((name) => !signed.has(name)));
  const result = await signerOf(key, scope).sign(
    { method: request.method, protocol: "http:", hostname: headerValue(request.headers, "host") ?? "localhost", path, query, headers },
    // signableHeaders also admits headers the signer would otherwise skip (user-agent, expect, ...) when the client signed them.
    { signingDate, signingRegion: scope.region, signingService: scope.service, signableHeaders: signed, unsignableHeaders: unsigned },
  );
  const match = /SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(headerValue(result.headers, "authorization") ?? "");
  return match ? { signedHeaders: match[1], signature: match[2] } : undefined;
}

/**
 * The signer with `key`'s secret. The payload hash header the client sent is used as is: the signer adds none.
 * `uriEscapePath` is false for S3 only, whose canonical path is the path as sent rather than encoded a second time.
 */
function signerOf(key: KnownKey, scope: { readonly region: string; readonly service: string }): SignatureV4 {
  return new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken },
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: scope.service !== "s3",
  });
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

/** A refusal when the key is unknown, its session token missing or wrong, or it has expired; `undefined` when it is good. */
function checkKey(key: KnownKey | undefined, token: string | undefined, now: number): SignatureVerdict<never> | undefined {
  if (key === undefined) return fault("unknownKey", MESSAGES.invalidToken);
  // Temporary keys work only with the token issued with them, as in STS.
  if (key.sessionToken !== undefined && (token === undefined || !equalSecrets(token, key.sessionToken))) return fault("invalidToken", MESSAGES.invalidToken);
  if (key.expiration !== undefined && key.expiration.getTime() <= now) return fault("expiredToken", MESSAGES.expiredToken);
  return undefined;
}

/**
 * The payload hash to verify with: S3's literal value, else the hash the client sent or the body's; `undefined`
 * when the client claims a hash that is not the body's (a valid signature would otherwise vouch for a body swapped
 * in transit).
 */
function payloadHashOf(request: SignedRequest, service: string): string | undefined {
  const literal = literalPayload(service, request.headers);
  if (literal !== undefined) return literal;
  const bodyHash = sha256Hex(request.body ?? Buffer.alloc(0));
  const claimed = headerValue(request.headers, "x-amz-content-sha256");
  if (claimed === undefined) return bodyHash;
  return claimed.toLowerCase() === bodyHash ? claimed : undefined;
}

/**
 * S3's `UNSIGNED-PAYLOAD` or `STREAMING-*` payload hash, when the request signs one of them. AWS documents these for
 * Amazon S3 only ("Create a canonical request", IAM User Guide, Signature Version 4: "For Amazon S3, include the
 * literal string UNSIGNED-PAYLOAD when constructing a canonical request"; S3 API Reference, "Signature Calculations
 * for the Authorization Header"). Elsewhere (execute-api, where API Gateway hashes the body itself) a signature over
 * them does not match: refused as a signature mismatch.
 */
function literalPayload(service: string, headers: IncomingHttpHeaders): string | undefined {
  const claimed = headerValue(headers, "x-amz-content-sha256");
  if (service !== "s3" || claimed === undefined) return undefined;
  return claimed === UNSIGNED_PAYLOAD || claimed.startsWith("STREAMING-") ? claimed : undefined;
}

/** The path and the decoded query of a URL as received (`query` is `undefined` for a malformed escape). */
function splitUrl(url: string): { path: string; query: Record<string, string | string[]> | undefined } {
  const start = url.indexOf("?");
  return { path: start < 0 ? url : url.slice(0, start), query: parseQuery(start < 0 ? "" : url.slice(start + 1)) };
}

/**
 * The query as the signer takes it: decoded names and values, repeated names as arrays (the signer encodes and sorts
 * them again). `+` stays a plus sign, as SigV4 encodes it. `undefined` for a malformed percent-escape.
 */
function parseQuery(raw: string): Record<string, string | string[]> | undefined {
  const query: Record<string, string | string[]> = {};
  try {
    for (const pair of raw.split("&")) {
      if (pair === "") continue;
      const equals = pair.indexOf("=");
      const name = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
      const value = equals < 0 ? "" : decodeURIComponent(pair.slice(equals + 1));
      const previous = query[name];
      query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
  } catch {
    return undefined;
  }
  return query;
}

/** The query with lower-case names, to find the presigning parameters whatever their case. */
function presignQuery(url: string): Record<string, string | string[]> | undefined {
  const query = splitUrl(url).query;
  return query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name.toLowerCase(), value]));
}

/** `X-Amz-Date` as a date, if it is one (month 13 or February 30 are not). */
function parseAmzDate(value: string): Date | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
  return !Number.isNaN(date.getTime()) && amz(date.getTime()) === value ? date : undefined;
}

/** A time in the form of `X-Amz-Date`. */
function amz(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Whether `host` is among the signed headers: otherwise a signature made for one host would pass at another. */
function hostSigned(signedHeaders: string): boolean {
  return signedHeaders.toLowerCase().split(";").includes("host");
}

/** A header's value as one string (Node joins repeated headers for all but a few names). */
function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Compares two secrets without a timing signal on where they differ. */
function equalSecrets(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right) && a === b;
}

/** Compares two signatures in constant time. */
function sameSignature(expected: string, received: string): boolean {
  const want = Buffer.from(expected, "utf8");
  const got = Buffer.from(received, "utf8");
  return want.length === got.length && timingSafeEqual(want, got);
}

function fault(kind: SignatureFault, message: string): SignatureVerdict<never> {
  return { ok: false, fault: kind, message };
}
