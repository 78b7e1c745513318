import { IncomingHttpHeaders } from "node:http";
import { isJsonObject as isObject } from "../protocol/aws-json";

/**
 * What IAM authorizes a request for: its action and resource ARNs, for the services whose requests the local cloud
 * maps (S3's REST object and bucket-listing operations, DynamoDB, CloudWatch Logs). Everything else is reported as
 * not enforced, with the best name of its action that can be told from the request.
 */

/** A request as the mapping needs it. */
export interface ActionRequest {
  readonly method: string;
  /** Path and query as received, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, when it was read (AWS JSON requests always are: their signature covers it). */
  readonly body?: Buffer;
  /** The signing name and region of the request's credential scope. */
  readonly service: string;
  readonly region: string;
  /** The caller's account, for the ARNs of resources that carry one. */
  readonly accountId: string;
  /** The port the front serves, to tell an S3 virtual-hosted bucket (`<bucket>.localhost:<port>`) from path style. */
  readonly port: number;
}

/** The outcome of {@link actionOf}: checked against these resources (all must be allowed), or not enforced. */
export type RequestAction =
  | { readonly enforced: true; readonly action: string; readonly resources: readonly string[] }
  | { readonly enforced: false; readonly action: string };

/** S3 query parameters that select no sub-resource: the operation stays the plain object or bucket one. */
const S3_PLAIN_PARAMETERS = new Set([
  "x-id", "versionid", "partnumber", "uploadid", "list-type", "prefix", "delimiter", "max-keys", "continuation-token",
  "start-after", "encoding-type", "fetch-owner", "marker", "expected-bucket-owner",
]);

/** Maps a request to its IAM action and resources. */
export function actionOf(request: ActionRequest): RequestAction {
  switch (request.service) {
    case "s3":
      return s3Action(request);
    case "dynamodb":
      return dynamoDbAction(request);
    case "logs":
      return logsAction(request);
    default:
      return { enforced: false, action: `${request.service}:${operationName(request) ?? `${request.method} ${request.url.split("?")[0]}`}` };
  }
}

/** S3 REST: object reads and writes on `arn:aws:s3:::<bucket>/<key>`, listing on the bucket's ARN. */
function s3Action(request: ActionRequest): RequestAction {
  const [rawPath, rawQuery = ""] = request.url.split(/\?(.*)/s);
  const parameters = rawQuery
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => decodeURIComponent(pair.split("=")[0]).toLowerCase());
  const subresources = parameters.filter((name) => !S3_PLAIN_PARAMETERS.has(name) && !name.startsWith("response-") && !name.startsWith("x-amz-"));
  const virtualBucket = virtualHostedBucket(request.headers.host, request.port);
  const segments = rawPath.replace(/^\//, "");
  const [bucket, key] =
    virtualBucket !== undefined ? [virtualBucket, segments] : [safeDecode(segments.split("/")[0]), segments.split("/").slice(1).join("/")];
  const objectKey = safeDecode(key);
  const method = request.method;
  if (bucket === "") return method === "GET" ? { enforced: true, action: "s3:ListAllMyBuckets", resources: ["*"] } : { enforced: false, action: `s3:${method} /` };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${objectKey}`;
  const unenforced = (what: string): RequestAction => ({ enforced: false, action: `s3:${what}` });

  if (objectKey === "") {
    if (method === "GET" && subresources.length === 0) return { enforced: true, action: "s3:ListBucket", resources: [bucketArn] };
    if (method === "GET" && subresources.length === 1 && subresources[0] === "versions") return { enforced: true, action: "s3:ListBucketVersions", resources: [bucketArn] };
    if (method === "GET" && subresources.length === 1 && subresources[0] === "uploads") return { enforced: true, action: "s3:ListBucketMultipartUploads", resources: [bucketArn] };
    if (method === "HEAD" && subresources.length === 0) return { enforced: true, action: "s3:ListBucket", resources: [bucketArn] };
    return unenforced(`${method} bucket${subresources.length ? `?${subresources.join("&")}` : ""}`);
  }
  // Multipart uploads are PutObject in IAM, from CreateMultipartUpload (?uploads) to CompleteMultipartUpload (?uploadId).
  if (subresources.length === 0 || (subresources.length === 1 && subresources[0] === "uploads" && method === "POST")) {
    if (method === "GET" || method === "HEAD") return { enforced: true, action: "s3:GetObject", resources: [objectArn] };
    if (method === "PUT" || method === "POST") {
      if (request.headers["x-amz-copy-source"] !== undefined) return unenforced("PutObject (copy: the source's s3:GetObject is not checked)");
      return { enforced: true, action: "s3:PutObject", resources: [objectArn] };
    }
    if (method === "DELETE") {
      const uploadId = parameters.includes("uploadid");
      return { enforced: true, action: uploadId ? "s3:AbortMultipartUpload" : "s3:DeleteObject", resources: [objectArn] };
    }
  }
  return unenforced(`${method} object?${subresources.join("&")}`);
}

/** DynamoDB: `DynamoDB_20120810.<Op>` is `dynamodb:<Op>` on every table the request names (or `*` for none). */
function dynamoDbAction(request: ActionRequest): RequestAction {
  const operation = operationName(request);
  if (operation === undefined) return { enforced: false, action: `dynamodb:${request.method} ${request.url}` };
  const action = `dynamodb:${operation}`;
  const input = jsonBody(request.body);
  if (input === undefined) return { enforced: false, action };
  const tables = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === "string" && name !== "") tables.add(name.startsWith("arn:") ? name : `arn:aws:dynamodb:${request.region}:${request.accountId}:table/${name}`);
  };
  add(input.TableName);
  if (isObject(input.RequestItems)) Object.keys(input.RequestItems).forEach(add);
  for (const item of Array.isArray(input.TransactItems) ? input.TransactItems : []) {
    if (isObject(item)) for (const part of Object.values(item)) if (isObject(part)) add(part.TableName);
  }
  return { enforced: true, action, resources: tables.size > 0 ? [...tables] : ["*"] };
}

/**
 * CloudWatch Logs: `Logs_20140328.<Op>` is `logs:<Op>` on the log group the request names, as
 * `arn:aws:logs:<region>:<account>:log-group:<name>:*`, or on its stream
 * (`...:log-group:<name>:log-stream:<stream>`) when it names one, which is why grants end in `:*`.
 */
function logsAction(request: ActionRequest): RequestAction {
  const operation = operationName(request);
  if (operation === undefined) return { enforced: false, action: `logs:${request.method} ${request.url}` };
  const action = `logs:${operation}`;
  const input = jsonBody(request.body);
  if (input === undefined) return { enforced: false, action };
  const group = typeof input.logGroupName === "string" ? input.logGroupName : undefined;
  if (group === undefined) return { enforced: true, action, resources: ["*"] };
  const groupArn = `arn:aws:logs:${request.region}:${request.accountId}:log-group:${group}`;
  const resource = typeof input.logStreamName === "string" ? `${groupArn}:log-stream:${input.logStreamName}` : `${groupArn}:*`;
  return { enforced: true, action, resources: [resource] };
}

/** The operation of an AWS JSON request (`X-Amz-Target: <Service>.<Operation>`), or of a Query one (`Action=`). */
function operationName(request: ActionRequest): string | undefined {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  const action = /(?:^|&)Action=([^&]+)/.exec(`${request.url.split("?")[1] ?? ""}&${request.body?.toString("utf8") ?? ""}`)?.[1];
  return action === undefined ? undefined : safeDecode(action);
}

/** The bucket of a virtual-hosted-style `Host` (`<bucket>.localhost:<port>`), if it is one. */
function virtualHostedBucket(host: string | undefined, port: number): string | undefined {
  const suffix = `.localhost:${port}`;
  return host !== undefined && host.toLowerCase().endsWith(suffix) ? host.slice(0, -suffix.length) : undefined;
}

function jsonBody(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  try {
    const value: unknown = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
