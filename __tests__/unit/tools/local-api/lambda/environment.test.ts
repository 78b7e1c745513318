import { lambdaEnvironment, logStreamName } from "../../../../../tools/local-api/lambda/environment";
import { memoryArguments } from "../../../../../tools/local-api/lambda/worker";

const CODE = {
  functionName: "greeter",
  zip: Buffer.alloc(0),
  handler: "index.handler",
  timeout: 3,
  environment: { TZ: "Europe/Paris", AWS_REGION: "eu-west-3", _HANDLER: "other.handler", OWN: "kept" },
  region: "us-east-1",
};
const SETTING = { taskRoot: "/tmp/task", nodeBinary: "/opt/node22/bin/node" };

test("the log stream name has Lambda's format, dated in UTC", () => {
  expect(logStreamName(new Date("2026-03-04T23:59:59Z"))).toMatch(/^2026\/03\/04\/\[\$LATEST\][0-9a-f]{32}$/);
  expect(logStreamName()).not.toBe(logStreamName());
});

test("reserved variables win over the function's; unreserved ones (TZ) are the function's to change", () => {
  const env = lambdaEnvironment(CODE, SETTING);
  expect(env).toMatchObject({ AWS_REGION: "us-east-1", _HANDLER: "index.handler", OWN: "kept", TZ: "Europe/Paris", LAMBDA_TASK_ROOT: "/tmp/task", NODE_PATH: "/tmp/task" });
  expect(env.PATH.split(":")[0]).toBe("/opt/node22/bin");
  expect(lambdaEnvironment({ ...CODE, environment: {} }, SETTING).TZ).toBe(":UTC");
});

test("defaults: log group /aws/lambda/<name>, 128 MiB, Text format (no log variables), no credentials and no endpoint", () => {
  const env = lambdaEnvironment(CODE, SETTING);
  expect(env).toMatchObject({ AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/greeter", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128" });
  for (const name of ["AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"]) expect(env[name]).toBeUndefined();
});

test("JSON logging sets the runtime's format and level (INFO unless ApplicationLogLevel says otherwise)", () => {
  expect(lambdaEnvironment({ ...CODE, loggingConfig: { LogFormat: "JSON" } }, SETTING)).toMatchObject({ AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "INFO" });
  expect(lambdaEnvironment({ ...CODE, loggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "DEBUG", LogGroup: "/g" } }, SETTING)).toMatchObject({
    AWS_LAMBDA_LOG_LEVEL: "DEBUG",
    AWS_LAMBDA_LOG_GROUP_NAME: "/g",
  });
});

test("role credentials and the endpoint become the SDK's variables; a session token only when there is one", () => {
  const credentials = { accessKeyId: "ASIA1", secretAccessKey: "s3cr3t", sessionToken: "token", expiration: new Date() };
  expect(lambdaEnvironment(CODE, { ...SETTING, credentials, endpointUrl: "http://127.0.0.1:4566" })).toMatchObject({
    AWS_ACCESS_KEY_ID: "ASIA1",
    AWS_SECRET_ACCESS_KEY: "s3cr3t",
    AWS_SESSION_TOKEN: "token",
    AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
  });
  expect(lambdaEnvironment(CODE, { ...SETTING, credentials: { ...credentials, sessionToken: undefined } }).AWS_SESSION_TOKEN).toBeUndefined();
});

test("heap flags follow Lambda's Node bootstrap: a tenth for the young generation, the rest old", () => {
  expect(memoryArguments(128)).toEqual(["--max-semi-space-size=6", "--max-old-space-size=116"]);
  expect(memoryArguments(1024)).toEqual(["--max-semi-space-size=51", "--max-old-space-size=922"]);
});
