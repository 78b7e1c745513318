import { randomUUID } from "node:crypto";
import { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { MotoClient } from "../moto/client";

/**
 * The AWS JSON 1.1 protocol, as the local cloud's own handlers speak it: a POST whose `X-Amz-Target` names the
 * operation, a JSON body, and errors as `{"__type": ..., "message": ...}` with a 4xx or 5xx status.
 */

/** The content type of AWS JSON 1.1 requests and responses. */
export const AWS_JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

/** The region a request is served in when its signature names none (unsigned requests, tests with fetch). */
export const DEFAULT_REGION = "us-east-1";

/** The access key assumed for unsigned requests; moto maps any unknown key to its default account. */
export const DEFAULT_ACCESS_KEY_ID = "test";

/** A complete response: the front writes it as is, with a `content-length` of the body. */
export interface AwsResponse {
  readonly status: number;
  /** Header names in lower case, so they merge without duplicates. */
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** One request a local handler answers, its body read in full. */
export interface AwsJsonRequest {
  /** The `X-Amz-Target` header, e.g. `AWSCognitoIdentityService.SetIdentityPoolRoles`; empty for REST APIs. */
  readonly target: string;
  /** The HTTP method. */
  readonly method: string;
  /** The path and query, e.g. `/2015-03-31/functions/my-function`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** From the SigV4 credential scope of the `Authorization` header. @default "us-east-1" */
  readonly region: string;
  /** From the SigV4 credential scope; moto keeps separate state per account, and derives it from this key. @default "test" */
  readonly accessKeyId: string;
}

/** What a local handler may use besides the request. */
export interface HandlerContext {
  /** moto itself, for handlers that look things up there (for example, whether a pool exists). */
  readonly moto: MotoClient;
  /** Sends this request to moto unchanged and returns moto's answer; for handlers that extend a moto operation. */
  forward(): Promise<AwsResponse>;
}

/** Answers one operation locally. Throw an {@link AwsError} for a client error; anything else becomes a 500. */
export type Handler = (request: AwsJsonRequest, context: HandlerContext) => Promise<AwsResponse>;

/** A handler for an operation of a REST API (such as Lambda's), chosen by method and path. */
export interface RestRoute {
  readonly method: string;
  /** Matched against the path without its query; capture groups are passed to the handler. */
  readonly path: RegExp;
  readonly handler: (request: AwsJsonRequest, context: HandlerContext, match: RegExpExecArray) => Promise<AwsResponse>;
}

/**
 * What a service answers itself in front of moto (its gap-fillers), for the front's pipeline: operations by
 * `X-Amz-Target`, and operations of a REST API by method and path.
 */
export interface ServiceHandlers {
  /** Keyed by `X-Amz-Target`. @default none */
  readonly handlers?: Readonly<Record<string, Handler>>;
  /** Tried in order: the first whose method and path match answers. @default none */
  readonly routes?: readonly RestRoute[];
}

/** An error the client should see as AWS would send it: a status, an error type (`__type`) and a message. */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** A JSON response, with the headers AWS sends and the SDKs read (request id). */
export function jsonResponse(body: unknown, status = 200): AwsResponse {
  return {
    status,
    headers: { "content-type": AWS_JSON_CONTENT_TYPE, "x-amzn-requestid": randomUUID() },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** The response for an error; the SDKs read the type from `x-amzn-errortype` first, then from `__type`. */
export function errorResponse(error: AwsError): AwsResponse {
  const response = jsonResponse({ __type: error.type, message: error.message }, error.status);
  return { ...response, headers: { ...response.headers, "x-amzn-errortype": error.type } };
}

/**
 * Whether a request speaks the AWS JSON protocol (1.0 or 1.1): a POST that names its operation in `X-Amz-Target` and
 * whose body is JSON (CBOR services name theirs the same way). Its body must then be a JSON object ({@link parseJsonObject}).
 */
export function isAwsJsonRequest(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  const contentType = String(headers["content-type"] ?? "").toLowerCase();
  return method === "POST" && headers["x-amz-target"] !== undefined && !contentType.startsWith("application/x-amz-cbor");
}

/** The body of a request as a JSON object; anything else is the `SerializationException` AWS sends. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    // An empty body means "no parameters" to the AWS JSON protocol.
    value = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new AwsError(400, "SerializationException", `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) throw new AwsError(400, "SerializationException", `request body must be a JSON object, got ${describe(value)}`);
  return value;
}

/** Whether a parsed JSON value is an object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for error messages: its type, and the value when it is small. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * The access key and region of a SigV4 `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...`), with defaults for unsigned requests.
 */
export function signingScope(authorization: string | undefined): { accessKeyId: string; region: string } {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/.exec(authorization ?? "");
  return match ? { accessKeyId: match[1], region: match[2] } : { accessKeyId: DEFAULT_ACCESS_KEY_ID, region: DEFAULT_REGION };
}
