import { IncomingHttpHeaders, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { headerValue } from "../protocol/headers";

/**
 * CORS for web pages on loopback (a Vite or Next dev server on `http://localhost:5173` using Amplify's
 * `userPoolEndpoint`), answered as the AWS endpoints answer browsers, for the pages the host check lets through
 * (host-check.ts: any other origin is refused before this).
 *
 * What AWS answers, and where that was read:
 * - Cognito user pools, on every answer to a browser's request: `Access-Control-Allow-Origin: *` and
 *   `Access-Control-Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date` (the SignUp,
 *   InitiateAuth, RespondToAuthChallenge and GetUser answers of `cognito-idp.us-east-1.amazonaws.com` to a page on
 *   `http://localhost:3000`, recorded with a proxy in a published walkthrough of Amplify's traffic, 2023; the same
 *   pair from cognito-sync, and in ScyllaDB Alternator's `handle_CORS`, "the list that DynamoDB returns").
 * - The AWS JSON services' preflight: `200`, empty body, `x-amzn-RequestId`, the requested method in
 *   `Access-Control-Allow-Methods`, the requested headers, whatever they are, in `Access-Control-Allow-Headers`, the
 *   same expose list, and `Access-Control-Max-Age: 172800` (an ACM preflight recorded with curl, 2020).
 * - Lambda's Invoke answers carry the function's outcome in `X-Amz-Function-Error`, `X-Amz-Log-Result` and
 *   `X-Amz-Executed-Version`, which the SDK reads; S3 exposes what a bucket's CORS rules list, and the SDK reads
 *   `x-amz-request-id`, `x-amz-id-2`, `ETag` and `x-amz-version-id`. One front serves them all, so it exposes them all.
 * - What a browser sends: Amplify v6's Cognito clients `content-type` and `x-amz-target` (amplify-js
 *   `createUserPoolSerializer`, `createClientSerializer`), `x-amz-user-agent`, `cache-control: no-store`,
 *   `amz-sdk-invocation-id` and `amz-sdk-request` (its middleware; Chromium's preflight asks for exactly these six);
 *   the AWS SDK v3 besides `authorization`, `x-amz-date`, `x-amz-security-token`, `x-amz-content-sha256` (SigV4),
 *   and for S3 and Lambda `content-md5`, `x-amz-checksum-*`, `x-amz-meta-*`, `x-amz-invocation-type`,
 *   `x-amz-log-type`, conditional and range headers (LocalStack's `aws/handlers/cors.py` allows the same families).
 *
 * Where the front differs, on purpose: it names the page's origin instead of `*` (it serves pages on loopback only),
 * with `Vary: Origin`; it answers preflights for every service, S3 included, without reading a bucket's CORS rules;
 * and it refuses a preflight for a method or header no AWS client sends, with one line saying which, where AWS would
 * allow any header.
 */

/** The methods a page may use: those of the AWS APIs the front serves (REST APIs use all of them). */
export const CORS_METHODS: readonly string[] = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];

/** Request headers a page may send, besides those starting with one of {@link CORS_HEADER_PREFIXES}. */
export const CORS_HEADERS: readonly string[] = [
  "authorization",
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-md5",
  "content-type",
  "expires",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-unmodified-since",
  "range",
];

/** Request header families a page may send: every AWS request header (`x-amz-target`, `x-amz-meta-*`, ...) and the SDK's own. */
export const CORS_HEADER_PREFIXES: readonly string[] = ["x-amz-", "amz-sdk-"];

/** Response headers a page's script may read. */
export const CORS_EXPOSED_HEADERS: readonly string[] = [
  "x-amzn-RequestId",
  "x-amzn-ErrorType",
  "x-amzn-ErrorMessage",
  "Date",
  "x-amz-function-error",
  "x-amz-log-result",
  "x-amz-executed-version",
  "x-amz-request-id",
  "x-amz-id-2",
  "ETag",
  "x-amz-version-id",
];

/** Seconds a browser may keep a preflight's answer, as AWS says (browsers cap it: Chromium at 2 h, Firefox at 24 h). */
export const CORS_MAX_AGE = 172_800;

/** Whether a request is a CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && headers.origin !== undefined && headers["access-control-request-method"] !== undefined;
}

/** The CORS headers of every answer to a page of `origin` (a loopback one). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(","),
    vary: "Origin",
  };
}

/**
 * What a preflight allows: the requested method and headers when all are allowed, as
 * `access-control-allow-methods`, `-allow-headers` and `-max-age`; or why not, in one line naming what was asked.
 */
export function preflightAllowance(headers: IncomingHttpHeaders): { readonly allowed: Record<string, string> } | { readonly refused: string } {
  const method = (headerValue(headers, "access-control-request-method") ?? "").trim();
  const requested = (headerValue(headers, "access-control-request-headers") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const what = `the local cloud answers web pages' CORS preflights for the methods ${CORS_METHODS.join(", ")} and the headers AWS clients send (${[...CORS_HEADERS, ...CORS_HEADER_PREFIXES.map((prefix) => `${prefix}*`)].join(", ")})`;
  if (!CORS_METHODS.includes(method)) return { refused: `${what}: this one asks for the method '${method.slice(0, 100)}'` };
  const foreign = requested.filter((name) => !allowsHeader(name));
  if (foreign.length > 0) return { refused: `${what}: this one asks for ${foreign.map((name) => `'${name.slice(0, 100)}'`).join(", ")}` };
  const allowed: Record<string, string> = { "access-control-allow-methods": method, "access-control-max-age": String(CORS_MAX_AGE) };
  if (requested.length > 0) allowed["access-control-allow-headers"] = requested.join(",");
  return { allowed };
}

/** Responses whose CORS headers the front has taken over ({@link ownCorsHeaders}). */
const OWNED = new WeakSet<ServerResponse>();

/**
 * Makes `headers` the CORS headers of whatever answer `res` sends (the front's own, a service handler's, moto's
 * streamed through the proxy, a failure), whichever step writes it: any `access-control-*` header the answer brings
 * is dropped (moto adds its own, from Flask-CORS and from S3 buckets' rules), and its `Vary` keeps its own names
 * besides `Origin`. Taking over a response twice changes nothing.
 */
export function ownCorsHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (OWNED.has(res)) return;
  OWNED.add(res);
  const writeHead = res.writeHead.bind(res);
  // Node offers no hook before the head goes out; writeHead is where every way of answering ends (end() calls it too).
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const last = rest[rest.length - 1];
    if (last !== undefined && typeof last !== "string") rest[rest.length - 1] = withoutCors(res, last as OutgoingHttpHeaders | OutgoingHttpHeader[]);
    return writeHead(status, ...(rest as [string, OutgoingHttpHeaders]));
  }) as ServerResponse["writeHead"];
}

/** An answer's own headers without its CORS headers; its `Vary` is merged into the one set on `res`. */
function withoutCors(res: ServerResponse, headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of entriesOf(headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith("access-control-")) continue;
    if (lower === "vary") res.setHeader("vary", mergedVary(res.getHeader("vary"), value));
    else kept[name] = value;
  }
  return kept;
}

/** The name and value pairs of headers given to `writeHead` as an object or as a flat `[name, value, ...]` list. */
function entriesOf(headers: OutgoingHttpHeaders | OutgoingHttpHeader[]): [string, OutgoingHttpHeader][] {
  if (!Array.isArray(headers)) return Object.entries(headers).filter((entry): entry is [string, OutgoingHttpHeader] => entry[1] !== undefined);
  const pairs: [string, OutgoingHttpHeader][] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([String(headers[i]), headers[i + 1]]);
  return pairs;
}

/** Two `Vary` values as one, each name once (case-insensitively), in order. */
function mergedVary(ours: OutgoingHttpHeader | undefined, theirs: OutgoingHttpHeader): string {
  const names = [ours, theirs].flatMap((value) => (value === undefined ? [] : String(value).split(",")));
  const seen = new Map<string, string>();
  for (const name of names.map((item) => item.trim()).filter((item) => item !== "")) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()].join(", ");
}

/** Whether a page may send the request header `name` (case-insensitive). */
function allowsHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return CORS_HEADERS.includes(lower) || CORS_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix) && lower.length > prefix.length);
}
