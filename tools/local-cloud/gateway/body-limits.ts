import { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { Transform, TransformCallback } from "node:stream";
import { AwsResponse } from "../protocol/aws-json";
import { ErrorProtocol, refusal } from "../protocol/aws-refusals";

/**
 * How large a request body the front takes, per service: AWS's own limit where one request carries the most, so that
 * whatever AWS accepts the local cloud accepts too, and nothing larger is read. The front refuses a body over its limit
 * before reading it when `Content-Length` declares it (before `100 Continue`, for clients that ask), and stops reading
 * as soon as a body sent without one (chunked) passes it; it never holds more than the limit of a body in memory.
 */

/** S3: 5 GiB, the most a single PutObject or UploadPart may carry. Terraform's state and Lambda zips go this way. */
const S3_LIMIT = 5 * 1024 ** 3;

/**
 * Lambda: 70,167,211 bytes, the request size Lambda's API accepts for CreateFunction and UpdateFunctionCode (its
 * `RequestEntityTooLargeException` names that figure): a 50 MB zip, inline and base64-encoded in the JSON body.
 */
const LAMBDA_LIMIT = 70_167_211;

/**
 * Every other service the local cloud serves (Cognito, IAM, STS, API Gateway, CloudWatch Logs, DynamoDB): 16 MiB, the
 * largest request any of them documents (DynamoDB's BatchWriteItem, 16 MB). Their requests are JSON or form posts the
 * front reads whole, to check their signature and their JSON.
 */
const DEFAULT_LIMIT = 16 * 1024 ** 2;

/**
 * The most bytes of a request body the front takes for a service, by the request's signing name; unsigned requests
 * (Cognito's public operations, and requests refused anyway) get the default.
 */
export function bodyLimitOf(service: string | undefined): number {
  if (service === "s3") return S3_LIMIT;
  if (service === "lambda") return LAMBDA_LIMIT;
  return DEFAULT_LIMIT;
}

/** The size a request declares in `Content-Length`, if it declares one. */
export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers["content-length"];
  // Node has already refused a malformed or repeated Content-Length with 400.
  return value === undefined ? undefined : Number(value);
}

/** A body was larger than its limit: thrown or emitted as soon as the byte past the limit arrives. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than the ${limit} bytes the service accepts`);
    this.name = "BodyTooLarge";
  }
}

/**
 * The answer to a body over its `limit` (of `declared` bytes, when its `Content-Length` said so), in the service's
 * words; the connection closes, so the rest is not read.
 */
export function tooLargeResponse(protocol: ErrorProtocol, limit: number, declared?: number): AwsResponse {
  const size = declared === undefined ? "a request body larger than that" : `a request body of ${declared} bytes`;
  const response = refusal(protocol, "tooLarge", `Request must be smaller than ${limit} bytes; the local cloud got ${size}`);
  return { ...response, headers: { ...response.headers, connection: "close" } };
}

/**
 * Reads a whole message body of at most `limit` bytes; rejects with {@link BodyTooLarge} at the first byte past it,
 * keeping nothing of what was read (the rest of the body is left to Node, which discards it).
 */
export function readBodyWithin(message: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks = [];
      message.removeListener("data", onData);
      reject(new BodyTooLarge(limit));
    };
    message.on("data", onData);
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

/** A pass-through stream that fails with {@link BodyTooLarge} at the first byte past `limit`: for bodies that stream on. */
export class BodyLimit extends Transform {
  private size = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) callback(new BodyTooLarge(this.limit));
    else callback(null, chunk);
  }
}
