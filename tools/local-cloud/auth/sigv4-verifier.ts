import { createHash, timingSafeEqual } from "node:crypto";
import { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Awaitable } from "../cloud-view";
import type { IssuedCredentials } from "../services/cognito-identity/identities";
import { Sha256 } from "../../shared/sha256";

/**
 * The request authentication of the local API Gateway's `AWS_IAM` routes: checks a SigV4 `Authorization` header
 * against the temporary credentials the local cloud issued, and answers as API Gateway does when it refuses.
 *
 * The signature is recomputed by `@smithy/signature-v4`, the signer of the AWS SDK for JavaScript, over exactly the
 * headers the client listed in `SignedHeaders`; this module never builds a canonical request or an HMAC itself.
 */

/** The outcome of {@link verifySignedRequest}. */
export type Verdict =
  | { readonly ok: true; readonly caller: IssuedCredentials }
  /** `message` is what API Gateway puts in its `{"message": ...}` body. */
  | { readonly ok: false; readonly status: 403; readonly message: string };

/** A request as the server received it. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path and query exactly as received (`req.url`), still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole body. */
  readonly body: Buffer;
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
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** The signing names whose requests may carry `x-amz-content-sha256: UNSIGNED-PAYLOAD` (see verifySignedRequest). */
const UNSIGNED_PAYLOAD_SERVICES: readonly string[] = ["s3"];
const TERMINATOR = "aws4_request";
/** `20240101T000000Z`, the only form of `X-Amz-Date` SigV4 uses. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * API Gateway's messages, verbatim (a trailing space is part of some), as AWS documents them or as API Gateway was
 * seen to send them in public bug reports. Those marked "not verified" follow AWS's wording as far as known.
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
  /** The local cloud's own: API Gateway accepts these, this verifier does not (yet). */
  presignedUnsupported: "The local cloud does not accept query-string (presigned URL) authentication: sign the request with an Authorization header.",
  unsupportedAlgorithm: (algorithm: string) => `The local cloud verifies ${ALGORITHM} signatures only, not '${algorithm}'.`,
  dateHeaderUnsupported: "The local cloud verifies signatures dated by an X-Amz-Date header only; this request has only a Date header.",
  invalidAmzDate: (value: string) => `The local cloud could not read X-Amz-Date '${value}': expected the form 20240101T000000Z.`,
} as const;

/**
 * Verifies a SigV4-signed request against the credentials the local cloud issued, as API Gateway does for a route
 * with `AWS_IAM` authorization. `credentials` looks up a caller by access key id (`CloudView.identities.credentials`,
 * in this process or over the control API).
 * Resolves to the caller, or to a 403 with API Gateway's message; it never rejects.
 */
export async function verifySignedRequest(
  request: ReceivedRequest,
  credentials: (accessKeyId: string) => Awaitable<IssuedCredentials | undefined>,
  options: VerifyOptions,
): Promise<Verdict> {
  const service = options.service ?? "execute-api";
  const now = (options.now ?? Date.now)();
  const queryStart = request.url.indexOf("?");
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? "" : request.url.slice(queryStart + 1);

  const query = parseQuery(rawQuery);
  if (query === undefined) return deny(MESSAGES.signatureMismatch);
  if (Object.keys(query).some((name) => /^x-amz-(signature|credential|algorithm)$/i.test(name))) return deny(MESSAGES.presignedUnsupported);

  const authorization = headerValue(request.headers, "authorization");
  if (authorization === undefined) return deny(MESSAGES.forbidden);
  const amzDate = headerValue(request.headers, "x-amz-date");
  const parsed = parseAuthorization(authorization, amzDate !== undefined || headerValue(request.headers, "date") !== undefined);
  if (typeof parsed === "string") return deny(parsed);
  // SigV4 requires the host among the signed headers: otherwise a signature made for one host would pass at another.
  if (!parsed.signedHeaders.toLowerCase().split(";").includes("host")) return deny(MESSAGES.hostNotSigned);
  if (parsed.algorithm !== ALGORITHM) return deny(MESSAGES.unsupportedAlgorithm(parsed.algorithm));

  // Credential=<key>/<date>/<region>/<service>/aws4_request; a key id never contains a slash.
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator, ...rest] = parsed.credential.split("/");
  if (terminator !== TERMINATOR || rest.length > 0) return deny(MESSAGES.wrongTerminator([terminator, ...rest].join("/")));
  // AWS reports both scope errors at once.
  const scopeErrors = (scopeRegion !== options.region ? MESSAGES.wrongRegion(scopeRegion) : "") + (scopeService !== service ? MESSAGES.wrongService(service) : "");
  if (scopeErrors) return deny(scopeErrors);

  if (amzDate === undefined) return deny(MESSAGES.dateHeaderUnsupported);
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === undefined) return deny(MESSAGES.invalidAmzDate(amzDate));
  if (scopeDate !== amzDate.slice(0, 8)) return deny(MESSAGES.scopeDateMismatch(scopeDate, amzDate));
  if (signingDate.getTime() < now - MAX_CLOCK_SKEW_MS) return deny(MESSAGES.signatureExpired(amzDate, amz(now - MAX_CLOCK_SKEW_MS), amz(now)));
  if (signingDate.getTime() > now + MAX_CLOCK_SKEW_MS) return deny(MESSAGES.signatureNotYetCurrent(amzDate, amz(now + MAX_CLOCK_SKEW_MS), amz(now)));

  const caller = await credentials(accessKeyId);
  if (caller === undefined) return deny(MESSAGES.invalidToken);
  // Every key the local cloud issues is temporary: the token must come with it, and be the one issued with it.
  const token = headerValue(request.headers, "x-amz-security-token");
  if (token === undefined || !equalSecrets(token, caller.sessionToken)) return deny(MESSAGES.invalidToken);
  if (caller.expiration.getTime() <= now) return deny(MESSAGES.expiredToken);

  // A client may sign a payload hash instead of the body (x-amz-content-sha256): it must be the body's, or
  // UNSIGNED-PAYLOAD where the service accepts that; otherwise a valid signature would vouch for a body that was
  // swapped in transit. AWS documents UNSIGNED-PAYLOAD for Amazon S3 only ("Create a canonical request", IAM User
  // Guide, Signature Version 4: "For Amazon S3, include the literal string UNSIGNED-PAYLOAD when constructing a
  // canonical request"; S3 API Reference, "Signature Calculations for the Authorization Header": the unsigned
  // payload option is an S3 one). No documentation offers it for execute-api, where API Gateway hashes the body
  // itself, so a signature over UNSIGNED-PAYLOAD does not match there: refused as a signature mismatch.
  const bodyHash = createHash("sha256").update(request.body).digest("hex");
  const claimedHash = headerValue(request.headers, "x-amz-content-sha256");
  const unsignedAccepted = claimedHash === UNSIGNED_PAYLOAD && UNSIGNED_PAYLOAD_SERVICES.includes(service);
  if (claimedHash !== undefined && !unsignedAccepted && !(SHA256_HEX.test(claimedHash) && claimedHash.toLowerCase() === bodyHash)) {
    return deny(MESSAGES.signatureMismatch);
  }

  const expected = await expectedAuthorization(request, path, query, parsed.signedHeaders, claimedHash ?? bodyHash, signingDate, caller, options.region, service);
  if (expected === undefined || expected.signedHeaders !== parsed.signedHeaders) return deny(MESSAGES.signatureMismatch);
  const want = Buffer.from(expected.signature, "utf8");
  const got = Buffer.from(parsed.signature, "utf8");
  return want.length === got.length && timingSafeEqual(want, got) ? { ok: true, caller } : deny(MESSAGES.signatureMismatch);
}

/** A key pair a signature is checked with; the local key pair has no session token. */
export interface SigningKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The parts of an `Authorization` header. */
export interface ParsedAuthorization {
  readonly algorithm: string;
  readonly credential: string;
  /** As sent: lower-case names joined by `;`. */
  readonly signedHeaders: string;
  readonly signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, or gives API Gateway's message. */
export function parseAuthorization(authorization: string, hasDateHeader: boolean): ParsedAuthorization | string {
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
 * What the `Authorization` header should say, by @smithy/signature-v4 with the caller's secret: the same method,
 * path, query, date and payload hash, and only the headers the client signed. `uriEscapePath` is false for S3 only,
 * whose canonical path is the path as sent rather than encoded a second time.
 */
export async function expectedAuthorization(
  request: ReceivedRequest,
  path: string,
  query: Record<string, string | string[]>,
  signedHeaderList: string,
  payloadHash: string,
  signingDate: Date,
  caller: SigningKey,
  region: string,
  service: string,
  uriEscapePath = true,
): Promise<{ signedHeaders: string; signature: string } | undefined> {
  const signed = new Set(signedHeaderList.split(";"));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // The signer takes the payload hash from this header; it is signed only if the client signed it.
  headers["x-amz-content-sha256"] = payloadHash;
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, sessionToken: caller.sessionToken },
    sha256: Sha256,
    // The client's payload hash header is used as is; the signer must not add one of its own.
    applyChecksum: false,
    uriEscapePath,
  });
  const unsigned = new Set(Object.keys(headers).filter((name) => !signed.has(name)));
  const result = await signer.sign(
    { method: request.method, protocol: "http:", hostname: headerValue(request.headers, "host") ?? "localhost", path, query, headers },
    // signableHeaders also admits headers the signer would otherwise skip (user-agent, expect, ...) when the client signed them.
    { signingDate, signingRegion: region, signingService: service, signableHeaders: signed, unsignableHeaders: unsigned },
  );
  const match = /SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(headerValue(result.headers, "authorization") ?? "");
  return match ? { signedHeaders: match[1], signature: match[2] } : undefined;
}


/**
 * The query as the signer takes it: decoded names and values, repeated names as arrays (the signer encodes and sorts
 * them again). `+` stays a plus sign, as SigV4 encodes it. `undefined` for a malformed percent-escape.
 */
export function parseQuery(raw: string): Record<string, string | string[]> | undefined {
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

/** `X-Amz-Date` as a date, if it is one (month 13 or February 30 are not). */
export function parseAmzDate(value: string): Date | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const date = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
  return !Number.isNaN(date.getTime()) && amz(date.getTime()) === value ? date : undefined;
}

/** A time in the form of `X-Amz-Date`. */
export function amz(time: number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** Compares two secrets without a timing signal on where they differ. */
export function equalSecrets(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right) && a === b;
}

/** A header's value as one string (Node joins repeated headers for all but a few names). */
export function headerValue(headers: IncomingHttpHeaders | Record<string, string>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function deny(message: string): Verdict {
  return { ok: false, status: 403, message };
}
