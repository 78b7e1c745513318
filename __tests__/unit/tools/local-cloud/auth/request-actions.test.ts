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
    expect(of({ method, url })).toEqual({ enforced: true, action, resources: [resource] });
  });

  test("virtual-hosted style takes the bucket from <bucket>.localhost:<port>", () => {
    expect(of({ url: "/k", headers: { host: "my.bucket.localhost:4566" } })).toEqual({ enforced: true, action: "s3:GetObject", resources: ["arn:aws:s3:::my.bucket/k"] });
  });

  test("sub-resources and copies are not enforced, and say so", () => {
    expect(of({ method: "PUT", url: "/b?policy" })).toEqual({ enforced: false, action: "s3:PUT bucket?policy" });
    expect(of({ url: "/b/k?tagging" })).toEqual({ enforced: false, action: "s3:GET object?tagging" });
    expect(of({ method: "PUT", url: "/b/k", headers: { "x-amz-copy-source": "/a/k" } })).toMatchObject({ enforced: false });
  });
});

describe("actionOf: DynamoDB and CloudWatch Logs", () => {
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;
  test("an operation on the tables the request names", () => {
    const target = (op: string) => ({ "x-amz-target": `DynamoDB_20120810.${op}` });
    expect(of({ service: "dynamodb", method: "POST", headers: target("GetItem"), body: { TableName: "t" } })).toEqual({ enforced: true, action: "dynamodb:GetItem", resources: [table("t")] });
    expect(of({ service: "dynamodb", method: "POST", headers: target("BatchWriteItem"), body: { RequestItems: { a: [], b: [] } } })).toEqual({
      enforced: true,
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
      enforced: true,
      action: "logs:PutLogEvents",
      resources: [`${group}:log-stream:s`],
    });
  });

  test("other services are named but not enforced", () => {
    expect(of({ service: "lambda", url: "/2015-03-31/functions/" })).toEqual({ enforced: false, action: "lambda:GET /2015-03-31/functions/" });
    expect(of({ service: "sqs", method: "POST", body: "Action=SendMessage&QueueUrl=x" })).toEqual({ enforced: false, action: "sqs:SendMessage" });
  });
});
