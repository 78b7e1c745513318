import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { describeWhen, missing } from "../../../support/requires";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
const CODE = zipSync({ "index.js": Buffer.from("exports.handler = async () => 'ok';") });

/** A role Lambda may assume, in the local account; its ARN. */
async function createRole(cloud: LocalCloud, name: string): Promise<string> {
  const iam = new IAMClient({ ...CONFIG, endpoint: cloud.endpoint });
  const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
  try {
    return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }))).Role!.Arn!;
  } finally {
    iam.destroy();
  }
}

/** moto 5.2 drops Lambda's LoggingConfig; the front keeps it, so Terraform sees what it applied. */
describeWhen(missing("moto"))("local cloud: Lambda logging config", () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let moto: LambdaClient;
  let role: string;

  const create = (name: string, LoggingConfig?: { LogFormat: "JSON" | "Text"; LogGroup?: string }) =>
    lambda.send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { ZipFile: CODE }, LoggingConfig }),
    );

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    moto = new LambdaClient({ ...CONFIG, ...cloud.motoClient.sdkOptions() });
    role = await createRole(cloud, "logging-test");
  }, 30_000);

  afterAll(async () => {
    lambda?.destroy();
    moto?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("the config a function was created with comes back from CreateFunction, GetFunction and GetFunctionConfiguration", async () => {
    const created = await create("json-logs", { LogFormat: "JSON", LogGroup: "/custom/group" });
    const expected = { LogFormat: "JSON", LogGroup: "/custom/group" };
    expect(created.LoggingConfig).toEqual(expected);
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: "json-logs" }))).Configuration?.LoggingConfig).toEqual(expected);
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "json-logs" }))).LoggingConfig).toEqual(expected);
    // The gap being filled: moto itself forgets it.
    expect((await moto.send(new GetFunctionCommand({ FunctionName: "json-logs" }))).Configuration?.LoggingConfig).toBeUndefined();
  });

  test("UpdateFunctionConfiguration changes it, keeping what the update leaves out", async () => {
    await create("updated", { LogFormat: "JSON", LogGroup: "/kept" });
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "updated", LoggingConfig: { LogFormat: "Text" } }));
    const { LoggingConfig } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "updated" }));
    expect(LoggingConfig).toEqual({ LogFormat: "Text", LogGroup: "/kept" });
  });

  test("a function that sets none gets AWS's defaults; a deleted function's config is forgotten", async () => {
    await create("plain");
    const defaults = { LogFormat: "Text", LogGroup: "/aws/lambda/plain" };
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: "plain" }))).Configuration?.LoggingConfig).toEqual(defaults);
    await create("recreated", { LogFormat: "JSON" });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: "recreated" }));
    await create("recreated");
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "recreated" }))).LoggingConfig).toEqual({
      LogFormat: "Text",
      LogGroup: "/aws/lambda/recreated",
    });
  });

  test("functions named by ARN are found too", async () => {
    const { FunctionArn } = await create("by-arn", { LogFormat: "JSON" });
    const { LoggingConfig } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FunctionArn }));
    expect(LoggingConfig?.LogFormat).toBe("JSON");
  });
});

/** Code from S3: the front reads the object moto accepted, so the local API runs it as it runs inline code. */
describeWhen(missing("moto"))("local cloud: Lambda code from S3", () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let s3: S3Client;
  let role: string;

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    s3 = new S3Client({ ...CONFIG, endpoint: cloud.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "code" }));
    role = await createRole(cloud, "code-from-s3");
  }, 30_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("CreateFunction and UpdateFunctionCode with S3Bucket/S3Key keep the object's bytes, with Lambda's CodeSha256", async () => {
    const first = zipSync({ "index.js": Buffer.from("exports.handler = async () => 'first';") });
    const second = zipSync({ "index.js": Buffer.from("exports.handler = async () => 'second';") });
    const sha = (zip: Uint8Array) => createHash("sha256").update(zip).digest("base64");
    await s3.send(new PutObjectCommand({ Bucket: "code", Key: "fn.zip", Body: first }));
    const created = await lambda.send(
      new CreateFunctionCommand({ FunctionName: "from-s3", Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { S3Bucket: "code", S3Key: "fn.zip" } }),
    );
    expect(created.CodeSha256).toBe(sha(first));
    expect(cloud.lambdaCode.code("from-s3")).toMatchObject({ zip: Buffer.from(first), codeSha256: sha(first), version: 1 });

    await s3.send(new PutObjectCommand({ Bucket: "code", Key: "fn.zip", Body: second }));
    const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "from-s3", S3Bucket: "code", S3Key: "fn.zip" }));
    expect(updated.CodeSha256).toBe(sha(second));
    expect(cloud.lambdaCode.code("from-s3")).toMatchObject({ zip: Buffer.from(second), codeSha256: sha(second), version: 2 });
  });
});
