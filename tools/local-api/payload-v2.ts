import { validateHeaderName, validateHeaderValue } from "node:http";
import { quoted } from "../../constructs/validation";
import type { InvokeResult } from "./lambda/invocation";

/**
 * API Gateway HTTP API's Lambda proxy integration, payload format 2.0, as pure functions: the event a request
 * becomes, and the HTTP response a function's result becomes. Rules from AWS's "Create AWS Lambda proxy integrations
 * for HTTP APIs in API Gateway".
 */

/** The caller an AWS_IAM route puts in `requestContext.authorizer.iam`. */
export interface IamAuthorizer {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  /** `null` for callers whose credentials did not come from an identity pool. */
  readonly cognitoIdentity: { readonly amr: readonly string[]; readonly identityId: string; readonly identityPoolId: string } | null;
  readonly principalOrgId: string | null;
  readonly userArn: string;
  readonly userId: string;
}

/** What {@link buildEvent} needs of a request and its route. */
export interface EventInput {
  readonly method: string;
  /** The path as received, without the query. */
  readonly rawPath: string;
  /** The query as received, without `?`; empty when there is none. */
  readonly rawQueryString: string;
  /**
   * The request headers: Node's `rawHeaders` (a flat list of names and values, every repeated header kept) or an
   * object of headers (arrays for repeated ones).
   */
  readonly headers: readonly string[] | Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
  /** e.g. `GET /public`, or `$default`. */
  readonly routeKey: string;
  /** @default "$default" */
  readonly stage?: string;
  readonly requestId: string;
  readonly sourceIp: string;
  readonly apiId: string;
  readonly accountId: string;
  /** e.g. `<api id>.execute-api.us-east-1.amazonaws.com`. */
  readonly domainName: string;
  /** Values of the route's `{name}` parameters; left out of the event when empty. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly authorizerIam?: IamAuthorizer;
  /** @default "HTTP/1.1" */
  readonly protocol?: string;
  /** When the request arrived. @default now */
  readonly time?: Date;
}

/** A payload format 2.0 event (fields AWS leaves out when empty are optional). */
export interface HttpApiEventV2 {
  readonly version: "2.0";
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly cookies?: string[];
  readonly headers: Record<string, string>;
  readonly queryStringParameters?: Record<string, string>;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly authorizer?: { readonly iam: IamAuthorizer };
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: { readonly method: string; readonly path: string; readonly protocol: string; readonly sourceIp: string; readonly userAgent: string };
    readonly requestId: string;
    readonly routeKey: string;
    readonly stage: string;
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly pathParameters?: Record<string, string>;
  readonly isBase64Encoded: boolean;
}

/** An HTTP response to write: `headers` has lower-case names, `set-cookie` as a list. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  /**
   * Why the function's response was refused, on the 500 that replaced it (API Gateway logs "Malformed Lambda proxy
   * response"); `undefined` for every other response.
   */
  readonly malformed?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Builds the event API Gateway sends a function for a request, payload format 2.0. */
export function buildEvent(input: EventInput): HttpApiEventV2 {
  const time = input.time ?? new Date();
  const cookies: string[] = [];
  const headers: Record<string, string> = {};
  for (const [name, value] of headerPairs(input.headers)) {
    const lower = name.toLowerCase();
    // Cookies move to their own field, one entry per cookie, and leave the headers.
    if (lower === "cookie") cookies.push(...value.split(";").map((cookie) => cookie.trim()).filter((cookie) => cookie !== ""));
    else headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  const query = queryParameters(input.rawQueryString);
  const bodyIsText = isTextContentType(headers["content-type"]);
  return {
    version: "2.0",
    routeKey: input.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(query && { queryStringParameters: query }),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      ...(input.authorizerIam && { authorizer: { iam: input.authorizerIam } }),
      domainName: input.domainName,
      domainPrefix: input.domainName.split(".")[0],
      http: {
        method: input.method.toUpperCase(),
        path: input.rawPath,
        protocol: input.protocol ?? "HTTP/1.1",
        sourceIp: input.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: input.requestId,
      routeKey: input.routeKey,
      stage: input.stage ?? "$default",
      time: requestTime(time),
      timeEpoch: time.getTime(),
    },
    ...(input.body.length > 0 && { body: bodyIsText ? input.body.toString("utf8") : input.body.toString("base64") }),
    ...(input.pathParameters && Object.keys(input.pathParameters).length > 0 && { pathParameters: { ...input.pathParameters } }),
    // Empty bodies are reported as not encoded, whatever the content type.
    isBase64Encoded: input.body.length > 0 && !bodyIsText,
  };
}

/**
 * The HTTP response for an invocation's result, payload format 2.0: an object with a `statusCode` is a response
 * (statusCode, headers, cookies, body, isBase64Encoded); any other value is a 200 JSON body (a string as is, anything
 * else JSON-stringified). A function error is a 500, a timeout a 503, as API Gateway answers them. A function error
 * includes Lambda's own refusals: a throttled invocation (`TooManyRequestsException`) reaches the client as API
 * Gateway's 500 `{"message":"Internal Server Error"}`, not a 429, since AWS documents that API Gateway answers 500
 * when the Lambda API rejects the invocation (Lambda developer guide, "Handling Lambda errors with an API Gateway
 * API"); a 429 comes only from the stage's own throttling.
 *
 * Whatever the function returned, the answer is well-formed HTTP: a response Node could not write (a header with CR
 * or LF, a name that is not a token, ...) is refused as API Gateway refuses a malformed one, with a 500 whose
 * `malformed` says why.
 */
export function mapResponse(result: InvokeResult): HttpResponse {
  if (result.kind === "error") return message(500, "Internal Server Error");
  if (result.kind === "timeout") return message(503, "Service Unavailable");
  const value = result.result;
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "statusCode" in value) {
    try {
      return structured(value as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof MalformedResponse)) throw error;
      return { ...message(500, "Internal Server Error"), malformed: error.message };
    }
  }
  const body = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: Buffer.from(body) };
}

/** Why a function's response cannot be written as HTTP. */
class MalformedResponse extends Error {}

/**
 * Headers a function may not set: the server frames the body itself (its own content-length), and a second framing
 * header would make the answer ambiguous to the client.
 */
const FRAMING_HEADERS = ["content-length", "transfer-encoding"];

/** A response the function spelled out; throws {@link MalformedResponse} for one that cannot be written. */
function structured(value: Record<string, unknown>): HttpResponse {
  const { statusCode, headers, cookies, body, isBase64Encoded } = value;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MalformedResponse(`statusCode ${quoted(statusCode)}: expected a whole number from 100 to 599`);
  }
  const out: Record<string, string | string[]> = {};
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== "object" || Array.isArray(headers)) throw new MalformedResponse(`headers ${quoted(headers)}: expected an object of names and values`);
    for (const [name, header] of Object.entries(headers)) {
      if (header === undefined || header === null) continue;
      const lower = name.toLowerCase();
      if (FRAMING_HEADERS.includes(lower)) continue;
      out[lower] = headerValue(`header ${quoted(name)}`, header);
      checkHeader(name, out[lower] as string);
    }
  }
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies)) throw new MalformedResponse(`cookies ${quoted(cookies)}: expected a list of strings`);
    const values = cookies.map((cookie, index) => headerValue(`cookie ${index}`, cookie));
    for (const cookie of values) checkHeader("set-cookie", cookie);
    if (values.length > 0) out["set-cookie"] = values;
  }
  const text = body === undefined || body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
  if (isBase64Encoded === true && !BASE64.test(text)) throw new MalformedResponse(`body ${quoted(text)}: isBase64Encoded is true but it is not base64`);
  return { statusCode, headers: out, body: isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text) };
}

/** Base64 as a strict decoder takes it: the standard alphabet, padding optional, no length that leaves 6 bits. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** A header value as text: strings, numbers and booleans are, anything else is malformed. */
function headerValue(what: string, value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  throw new MalformedResponse(`${what} has the value ${quoted(value)}: expected a string`);
}

/** Throws unless Node's HTTP writer, the one that answers, accepts this header. */
function checkHeader(name: string, value: string): void {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch {
    throw new MalformedResponse(`header ${quoted(name)}: ${quoted(value)} is not a valid HTTP header (a name must be a token, a value may not hold CR, LF or other controls)`);
  }
}

function message(statusCode: number, text: string): HttpResponse {
  return { statusCode, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ message: text })) };
}

/** Header names and values, in order, one pair per occurrence. */
function headerPairs(headers: EventInput["headers"]): [string, string][] {
  if (Array.isArray(headers)) {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
    return pairs;
  }
  return Object.entries(headers as Readonly<Record<string, string | readonly string[] | undefined>>).flatMap(([name, value]) =>
    value === undefined ? [] : (Array.isArray(value) ? value : [value as string]).map((one): [string, string] => [name, one]),
  );
}

/** Decoded query parameters, repeated names joined with commas; `undefined` when there are none. */
function queryParameters(raw: string): Record<string, string> | undefined {
  if (raw === "") return undefined;
  const result: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) result[name] = name in result ? `${result[name]},${value}` : value;
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * Whether API Gateway passes a body of this type as text. AWS documents only "binary bodies are base64-encoded";
 * the split below is what real HTTP APIs were observed to do (ministackorg/ministack#766): text for `text/*`,
 * `application/json`, `application/xml` and `application/javascript`; base64 for everything else, including
 * `application/x-www-form-urlencoded` and a missing content type.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(";")[0].trim().toLowerCase();
  return type.startsWith("text/") || ["application/json", "application/xml", "application/javascript"].includes(type);
}

/** `10/Apr/2022:13:30:05 +0000`: the request time as API Gateway writes it, in UTC. */
export function requestTime(time: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`;
}
