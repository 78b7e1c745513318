import { ActionRequest, actionOf } from "../../../../../tools/local-cloud/auth/request-actions";

const base: ActionRequest = { method: "GET", url: "/", headers: { host: "127.0.0.1:4566" }, service: "s3", region: "us-east-1", accountId: "123456789012", port: 4566 };
const of = (request: Omit<Partial<ActionRequest>, "body"> & { body?: unknown }) =>
  actionOf({ ...base, ...request, body: request.body === undefined ? undefined : Buffer.from(typeof request.body === "string" ? request.body : JSON.stringify(request.body)) });

describe("actionOf: S3", () => {
  test.each([
    ["GET", "/b/notes/a%20b.txt?x-id=GetObject", "s3:GetObject", "arn:aws:s3:::b/notes/a b.txt"],
    ["HEAD", "/b/k", "s3:GetObject", "arn:aws:s3:::b/k"],
    ["PUT", "/b/k?x-id=PutObject", "s3:PutObject", "arn:aws:s3:::b/k"],
    ["POST", "/b/k?uploads", "s3:PutObject", "arn:aws:s3:::b/k"],
    ["PUT", "/b/k?partNumber=1&uploadId=u", "s3:PutObject", "arn:aws:s3:::b/k"],
    ["DELETE", "/b/k", "s3:DeleteObject", "arn:aws:s3:::b/k"],
    ["DELETE", "/b/k?uploadId=u", "s3:AbortMultipartUpload", "arn:aws:s3:::b/k"],
    ["GET", "/b?list-type=2&prefix=notes%2F", "s3:ListBucket", "arn:aws:s3:::b"],
    ["GET", "/b?versions", "s3:ListBucketVersions", "arn:aws:s3:::b"],
    ["GET", "/", "s3:ListAllMyBuckets", "*"],
  ])("%s %s is %s on %s", (method, url, action, resource) => {
    expect(of({ method, url })).toEqual({ kind: "authorized", action, resources: [resource] });
  });

  test("virtual-hosted style takes the bucket from <bucket>.localhost:<port>", () => {
    expect(of({ url: "/k", headers: { host: "my.bucket.localhost:4566" } })).toEqual({ kind: "authorized", action: "s3:GetObject", resources: ["arn:aws:s3:::my.bucket/k"] });
  });

  test("sub-resources and copies are unmapped, and say so", () => {
    expect(of({ method: "PUT", url: "/b?policy" })).toEqual({ kind: "unmapped", action: "s3:PUT bucket?policy" });
    expect(of({ url: "/b/k?tagging" })).toEqual({ kind: "unmapped", action: "s3:GET object?tagging" });
    expect(of({ method: "PUT", url: "/b/k", headers: { "x-amz-copy-source": "/a/k" } })).toMatchObject({ kind: "unmapped" });
  });
});

describe("actionOf: DynamoDB, CloudWatch Logs and others", () => {
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;
  test("an operation on the tables the request names", () => {
    const target = (op: string) => ({ "x-amz-target": `DynamoDB_20120810.${op}` });
    expect(of({ service: "dynamodb", method: "POST", headers: target("GetItem"), body: { TableName: "t" } })).toEqual({ kind: "authorized", action: "dynamodb:GetItem", resources: [table("t")] });
    expect(of({ service: "dynamodb", method: "POST", headers: target("BatchWriteItem"), body: { RequestItems: { a: [], b: [] } } })).toEqual({
      kind: "authorized",
      action: "dynamodb:BatchWriteItem",
      resources: [table("a"), table("b")],
    });
    expect(of({ service: "dynamodb", method: "POST", headers: target("TransactWriteItems"), body: { TransactItems: [{ Put: { TableName: "c" } }] } })).toMatchObject({ resources: [table("c")] });
    expect(of({ service: "dynamodb", method: "POST", headers: target("ListTables"), body: {} })).toMatchObject({ action: "dynamodb:ListTables", resources: ["*"] });
  });

  test("a log group's ARN ends in :*, a stream's names it", () => {
    const headers = (op: string) => ({ "x-amz-target": `Logs_20140328.${op}` });
    const group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f";
    expect(of({ service: "logs", method: "POST", headers: headers("CreateLogGroup"), body: { logGroupName: "/aws/lambda/f" } })).toMatchObject({ resources: [`${group}:*`] });
    expect(of({ service: "logs", method: "POST", headers: headers("PutLogEvents"), body: { logGroupName: "/aws/lambda/f", logStreamName: "s" } })).toEqual({
      kind: "authorized",
      action: "logs:PutLogEvents",
      resources: [`${group}:log-stream:s`],
    });
  });

  test("a tagging operation acts on the resource it names by ARN", () => {
    const resourceArn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f";
    expect(of({ service: "logs", method: "POST", headers: { "x-amz-target": "Logs_20140328.TagResource" }, body: { resourceArn, tags: {} } })).toEqual({
      kind: "authorized",
      action: "logs:TagResource",
      resources: [resourceArn],
    });
  });

  test("requests the mapping does not know are unmapped, with the best name of their action", () => {
    expect(of({ service: "lambda", url: "/2015-03-31/functions/" })).toEqual({ kind: "unmapped", action: "lambda:GET /2015-03-31/functions/" });
    expect(of({ service: "sqs", method: "POST", body: "Action=SendMessage&QueueUrl=x" })).toEqual({ kind: "unmapped", action: "sqs:SendMessage" });
  });
});

describe("actionOf: what Terraform and the smoke test call", () => {
  const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:123456789012:${resource}`;
  const json = (target: string, body: unknown) => ({ method: "POST", headers: { "x-amz-target": target }, body });

  test("IAM's Query operations act on the role they name", () => {
    expect(of({ service: "iam", method: "POST", body: "Action=CreateRole&RoleName=r&Version=2010-05-08" })).toEqual({
      kind: "authorized",
      action: "iam:CreateRole",
      resources: ["arn:aws:iam::123456789012:role/r"],
    });
    expect(of({ service: "iam", method: "POST", body: "Action=ListRoles" })).toEqual({ kind: "unmapped", action: "iam:ListRoles" });
  });

  test("Cognito operations act on the pool they name; creates on *", () => {
    expect(of({ service: "cognito-idp", ...json("AWSCognitoIdentityProviderService.DescribeUserPool", { UserPoolId: "us-east-1_a" }) })).toEqual({
      kind: "authorized",
      action: "cognito-idp:DescribeUserPool",
      resources: [arn("cognito-idp", "userpool/us-east-1_a")],
    });
    expect(of({ service: "cognito-idp", ...json("AWSCognitoIdentityProviderService.CreateUserPool", { PoolName: "p" }) })).toMatchObject({ resources: ["*"] });
    expect(of({ service: "cognito-identity", ...json("AWSCognitoIdentityService.DescribeIdentityPool", { IdentityPoolId: "us-east-1:x" }) })).toMatchObject({
      resources: [arn("cognito-identity", "identitypool/us-east-1:x")],
    });
    expect(of({ service: "cognito-identity", ...json("AWSCognitoIdentityService.ListIdentityPools", {}) })).toEqual({ kind: "unmapped", action: "cognito-identity:ListIdentityPools" });
  });

  test("Cognito's public operations and GetCallerIdentity need no permission, signed or not", () => {
    expect(of({ service: undefined, region: undefined, ...json("AWSCognitoIdentityProviderService.InitiateAuth", {}) })).toMatchObject({ kind: "free", action: "cognito-idp:InitiateAuth" });
    expect(of({ service: "cognito-identity", ...json("AWSCognitoIdentityService.GetId", {}) })).toMatchObject({ kind: "free", action: "cognito-identity:GetId" });
    expect(of({ service: "sts", method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" })).toMatchObject({ kind: "free", action: "sts:GetCallerIdentity" });
    expect(of({ service: undefined, region: undefined, method: "POST", url: "/" })).toEqual({ kind: "unmapped", action: "unsigned:POST /" });
  });

  test("Lambda's REST operations act on the function the path or the body names", () => {
    expect(of({ service: "lambda", url: "/2015-03-31/functions/f/configuration" })).toEqual({
      kind: "authorized",
      action: "lambda:GetFunctionConfiguration",
      resources: [arn("lambda", "function:f")],
    });
    expect(of({ service: "lambda", method: "POST", url: "/2015-03-31/functions", body: { FunctionName: "g" } })).toMatchObject({ action: "lambda:CreateFunction", resources: [arn("lambda", "function:g")] });
  });

  test("API Gateway's action is the HTTP method on the path without /v2", () => {
    expect(of({ service: "apigateway", method: "PATCH", url: "/v2/apis/abc/stages/%24default" })).toEqual({
      kind: "authorized",
      action: "apigateway:PATCH",
      resources: ["arn:aws:apigateway:us-east-1::/apis/abc/stages/$default"],
    });
  });
});
