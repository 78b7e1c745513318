import { IncomingHttpHeaders } from "node:http";
import { servedUnsigned } from "../gateway/public-operations";
import { isJsonObject as isObject } from "../protocol/aws-json";

/**
 * What IAM authorizes a request for: its action and the ARNs of the resources it acts on, read from the request
 * itself (signing scope, `X-Amz-Target`, Query `Action`, REST method and path, body). One mapping for the front,
 * which authorizes role credentials' calls by it, and for the CI roles' evidence (tools/ci-roles), which decides
 * every call Terraform and the smoke test make by it. It knows S3's REST object and bucket-listing operations,
 * DynamoDB, CloudWatch Logs, IAM roles, Cognito user and identity pools, Lambda functions, API Gateway v2 and
 * Cognito's public operations; anything else is reported as unmapped, with the best name of its action that can be
 * told from the request, so that a new kind of call shows up instead of slipping past a check.
 */

/** A request as the mapping needs it. */
export interface ActionRequest {
  readonly method: string;
  /** Path and query as received, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, when it was read (AWS JSON and Query requests always are: their signature covers it). */
  readonly body?: Buffer;
  /** The signing name and region of the request's credential scope; `undefined` for an unsigned request. */
  readonly service?: string;
  readonly region?: string;
  /** The caller's account, for the ARNs of resources that carry one. */
  readonly accountId: string;
  /** The port the front serves, to tell an S3 virtual-hosted bucket (`<bucket>.localhost:<port>`) from path style. */
  readonly port: number;
}

/** The outcome of {@link actionOf}. */
export type RequestAction =
  /** IAM authorizes the request for `action` on each of `resources` (all must be allowed; `*` for no resource). */
  | { readonly kind: "authorized"; readonly action: string; readonly resources: readonly string[] }
  /** AWS serves the request without asking the caller's IAM policies; `why` says so in a sentence. */
  | { readonly kind: "free"; readonly action: string; readonly why: string }
  /** A request the mapping does not know; `action` is the best name of it that can be told from the request. */
  | { readonly kind: "unmapped"; readonly action: string };

/** S3 query parameters that select no sub-resource: the operation stays the plain object or bucket one. */
const S3_PLAIN_PARAMETERS = new Set([
  "x-id", "versionid", "partnumber", "uploadid", "list-type", "prefix", "delimiter", "max-keys", "continuation-token",
  "start-after", "encoding-type", "fetch-owner", "marker", "expected-bucket-owner",
]);

/** Lambda's REST operations: method, path below the API version, operation. The function name is the first group. */
const LAMBDA_OPERATIONS: ReadonlyArray<readonly [string, RegExp, string]> = [
  ["POST", /^\/2015-03-31\/functions\/?$/, "CreateFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "GetFunction"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "DeleteFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "GetFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "UpdateFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/, "UpdateFunctionCode"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/, "ListVersionsByFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "GetPolicy"],
  ["POST", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "AddPermission"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/policy\/[^/]+\/?$/, "RemovePermission"],
  ["GET", /^\/2020-06-30\/functions\/([^/]+)\/code-signing-config\/?$/, "GetFunctionCodeSigningConfig"],
  ["GET", /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/, "GetFunctionConcurrency"],
  ["PUT", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "PutFunctionConcurrency"],
  ["DELETE", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "DeleteFunctionConcurrency"],
  ["GET", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "ListTags"],
  ["POST", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "TagResource"],
  ["DELETE", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "UntagResource"],
];

/** Maps a request to its IAM action and resources. */
export function actionOf(request: ActionRequest): RequestAction {
  const target = typeof request.headers["x-amz-target"] === "string" ? request.headers["x-amz-target"] : "";
  // Signed or not, AWS authorizes a public operation by the user's tokens, never by the caller's IAM policies.
  if (target !== "" && servedUnsigned(request.method, request.url, target)) {
    const [prefix, name] = target.split(".");
    const service = prefix === "AWSCognitoIdentityService" ? "cognito-identity" : "cognito-idp";
    return { kind: "free", action: `${service}:${name}`, why: "needs no permission: a public Cognito API, authorized by the user's password or tokens" };
  }
  const { service, region } = request;
  if (service === undefined || region === undefined) return unmapped(request);
  const scoped = { ...request, service, region };
  switch (service) {
    case "s3":
      return s3Action(scoped);
    case "dynamodb":
      return dynamoDbAction(scoped);
    case "logs":
      return logsAction(scoped);
    case "sts":
      if (operationName(request) === "GetCallerIdentity") return { kind: "free", action: "sts:GetCallerIdentity", why: "needs no permission: an identity may always ask who it is" };
      return unmapped(request);
    case "iam":
      return iamAction(scoped);
    case "cognito-idp":
    case "cognito-identity":
      return cognitoAction(scoped);
    case "lambda":
      return lambdaAction(scoped);
    case "apigateway":
      return apiGatewayAction(scoped);
    default:
      return unmapped(request);
  }
}

/** A request whose credential scope is known. */
type ScopedRequest = ActionRequest & { readonly service: string; readonly region: string };

/** S3 REST: object reads and writes on `arn:aws:s3:::<bucket>/<key>`, listing on the bucket's ARN. */
function s3Action(request: ScopedRequest): RequestAction {
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
  if (bucket === "") return method === "GET" ? authorized("s3:ListAllMyBuckets", "*") : { kind: "unmapped", action: `s3:${method} /` };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const objectArn = `${bucketArn}/${objectKey}`;
  const unknown = (what: string): RequestAction => ({ kind: "unmapped", action: `s3:${what}` });

  if (objectKey === "") {
    if (method === "GET" && subresources.length === 0) return authorized("s3:ListBucket", bucketArn);
    if (method === "GET" && subresources.length === 1 && subresources[0] === "versions") return authorized("s3:ListBucketVersions", bucketArn);
    if (method === "GET" && subresources.length === 1 && subresources[0] === "uploads") return authorized("s3:ListBucketMultipartUploads", bucketArn);
    if (method === "HEAD" && subresources.length === 0) return authorized("s3:ListBucket", bucketArn);
    return unknown(`${method} bucket${subresources.length ? `?${subresources.join("&")}` : ""}`);
  }
  // Multipart uploads are PutObject in IAM, from CreateMultipartUpload (?uploads) to CompleteMultipartUpload (?uploadId).
  if (subresources.length === 0 || (subresources.length === 1 && subresources[0] === "uploads" && method === "POST")) {
    if (method === "GET" || method === "HEAD") return authorized("s3:GetObject", objectArn);
    if (method === "PUT" || method === "POST") {
      if (request.headers["x-amz-copy-source"] !== undefined) return unknown("PutObject (copy: the source's s3:GetObject is not checked)");
      return authorized("s3:PutObject", objectArn);
    }
    if (method === "DELETE") return authorized(parameters.includes("uploadid") ? "s3:AbortMultipartUpload" : "s3:DeleteObject", objectArn);
  }
  return unknown(`${method} object?${subresources.join("&")}`);
}

/** DynamoDB: `DynamoDB_20120810.<Op>` is `dynamodb:<Op>` on every table the request names (or `*` for none). */
function dynamoDbAction(request: ScopedRequest): RequestAction {
  const operation = operationName(request);
  if (operation === undefined) return { kind: "unmapped", action: `dynamodb:${request.method} ${request.url}` };
  const action = `dynamodb:${operation}`;
  const input = jsonBody(request.body);
  if (input === undefined) return { kind: "unmapped", action };
  const tables = new Set<string>();
  const add = (name: unknown) => {
    if (typeof name === "string" && name !== "") tables.add(name.startsWith("arn:") ? name : `arn:aws:dynamodb:${request.region}:${request.accountId}:table/${name}`);
  };
  add(input.TableName);
  if (isObject(input.RequestItems)) Object.keys(input.RequestItems).forEach(add);
  for (const item of Array.isArray(input.TransactItems) ? input.TransactItems : []) {
    if (isObject(item)) for (const part of Object.values(item)) if (isObject(part)) add(part.TableName);
  }
  return { kind: "authorized", action, resources: tables.size > 0 ? [...tables] : ["*"] };
}

/**
 * CloudWatch Logs: `Logs_20140328.<Op>` is `logs:<Op>` on the resource the request names by ARN (the tagging
 * operations' `resourceArn`), else on its log group as IAM checks it, `arn:aws:logs:<region>:<account>:log-group:<name>:*`,
 * or on its stream (`...:log-group:<name>:log-stream:<stream>`) when it names one, which is why grants end in `:*`;
 * on `*` when it names none.
 */
function logsAction(request: ScopedRequest): RequestAction {
  const operation = operationName(request);
  if (operation === undefined) return { kind: "unmapped", action: `logs:${request.method} ${request.url}` };
  const action = `logs:${operation}`;
  const input = jsonBody(request.body);
  if (input === undefined) return { kind: "unmapped", action };
  if (typeof input.resourceArn === "string") return authorized(action, input.resourceArn);
  const group = typeof input.logGroupName === "string" ? input.logGroupName : undefined;
  if (group === undefined) return authorized(action, "*");
  const groupArn = `arn:aws:logs:${request.region}:${request.accountId}:log-group:${group}`;
  return authorized(action, typeof input.logStreamName === "string" ? `${groupArn}:log-stream:${input.logStreamName}` : `${groupArn}:*`);
}

/** IAM (Query protocol): an operation on the role its `RoleName` names. */
function iamAction(request: ScopedRequest): RequestAction {
  const operation = operationName(request);
  const roleName = formField(request.body, "RoleName");
  if (operation === undefined || roleName === undefined) return unmapped(request);
  return authorized(`iam:${operation}`, `arn:aws:iam::${request.accountId}:role/${roleName}`);
}

/** Cognito user and identity pools: an operation on the pool the request names, or a create on `*`. */
function cognitoAction(request: ScopedRequest): RequestAction {
  const operation = operationName(request);
  if (operation === undefined) return unmapped(request);
  const action = `${request.service}:${operation}`;
  const input = jsonBody(request.body) ?? {};
  const [poolId, poolType, create] =
    request.service === "cognito-idp" ? [input.UserPoolId, "userpool", "CreateUserPool"] : [input.IdentityPoolId, "identitypool", "CreateIdentityPool"];
  if (typeof poolId === "string") return authorized(action, serviceArn(request, `${poolType}/${poolId}`));
  return operation === create ? authorized(action, "*") : unmapped(request);
}

/** Lambda (REST): the operations of {@link LAMBDA_OPERATIONS}, on the function the path or body names. */
function lambdaAction(request: ScopedRequest): RequestAction {
  const path = safeDecode(request.url.split("?")[0]);
  const input = jsonBody(request.body) ?? {};
  for (const [method, pattern, name] of LAMBDA_OPERATIONS) {
    const match = method === request.method ? pattern.exec(path) : null;
    if (!match) continue;
    const functionName = match[1] ?? (typeof input.FunctionName === "string" ? input.FunctionName : undefined);
    if (functionName !== undefined) return authorized(`lambda:${name}`, serviceArn(request, `function:${functionName}`));
  }
  return unmapped(request);
}

/** API Gateway v2: IAM's action is the HTTP method, on the resource path without its `/v2`. */
function apiGatewayAction(request: ScopedRequest): RequestAction {
  const path = safeDecode(request.url.split("?")[0]);
  if (!path.startsWith("/v2/")) return unmapped(request);
  return authorized(`apigateway:${request.method}`, `arn:aws:apigateway:${request.region}::${path.slice(3)}`);
}

function authorized(action: string, resource: string): RequestAction {
  return { kind: "authorized", action, resources: [resource] };
}

/** An unmapped request, named `<service>:<operation>`, or by its method and path when its operation is not told. */
function unmapped(request: ActionRequest): RequestAction {
  return { kind: "unmapped", action: `${request.service ?? "unsigned"}:${operationName(request) ?? `${request.method} ${request.url.split("?")[0]}`}` };
}

/** `arn:aws:<service>:<region>:<account>:<resource>`. */
function serviceArn(request: ScopedRequest, resource: string): string {
  return `arn:aws:${request.service}:${request.region}:${request.accountId}:${resource}`;
}

/** The operation of an AWS JSON request (`X-Amz-Target: <Service>.<Operation>`), or of a Query one (`Action=`). */
function operationName(request: ActionRequest): string | undefined {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  return formField(Buffer.from(`${request.url.split("?")[1] ?? ""}&${request.body?.toString("utf8") ?? ""}`), "Action");
}

/** One field of a form-encoded body (the Query protocol's parameters). */
function formField(body: Buffer | undefined, name: string): string | undefined {
  return new URLSearchParams(body?.toString("utf8") ?? "").get(name) ?? undefined;
}

/** The bucket of a virtual-hosted-style `Host` (`<bucket>.localhost:<port>`), if it is one. */
function virtualHostedBucket(host: string | undefined, port: number): string | undefined {
  const suffix = `.localhost:${port}`;
  return host !== undefined && host.toLowerCase().endsWith(suffix) ? host.slice(0, -suffix.length) : undefined;
}

/** An AWS JSON body as an object (empty: `{}`); `undefined` when it was not read or is not a JSON object. */
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
