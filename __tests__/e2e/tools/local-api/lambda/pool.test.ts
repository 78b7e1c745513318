import { rmSync } from "node:fs";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { buildSync } from "esbuild";
import { zipSync } from "fflate";
import { zipDirectory } from "../../../../../tools/shared/zip";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../../tools/local-cloud";
import { LambdaRunner } from "../../../../../tools/local-api/lambda/pool";
import { bundleTarget } from "../../../../../constructs/runtime";
import { buildEvent, mapResponse } from "../../../../../tools/local-api/payload-v2";
import { describeWhen, missing } from "../../../../support/requires";
import { ownFolder } from "../../../../support/test-run";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

// The machine is shared: moto's CreateFunction can take seconds under load, more than jest's default 5 s.
jest.setTimeout(60_000);

/** A zip with one `index.js`. */
/** A zip of one index.js, the same bytes for the same source (a fixed mtime: fflate's default, now, has 2 s steps). */
const zipOf = (source: string) => zipSync({ "index.js": Buffer.from(source) }, { mtime: new Date("2026-01-01T00:00:00Z") });

/** An API Gateway event for `GET /public`. */
const EVENT = buildEvent({
  method: "GET",
  rawPath: "/public",
  rawQueryString: "",
  headers: ["Host", "local", "User-Agent", "jest"],
  body: Buffer.alloc(0),
  routeKey: "GET /public",
  requestId: "api-request-1",
  sourceIp: "127.0.0.1",
  apiId: "local",
  accountId: "123456789012",
  domainName: "local.execute-api.us-east-1.amazonaws.com",
});

/** The front keeps each function's code; the runner runs it in a Node 22 child process, as Lambda would. */
describeWhen(missing("moto", "lambda-node"))("local cloud: Lambda code and runner", () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let runner: LambdaRunner;
  let role: string;
  let work: string;
  let publicZip: Uint8Array;

  const create = (name: string, zip: Uint8Array, extra: { Timeout?: number; Environment?: { Variables: Record<string, string> } } = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { ZipFile: zip }, ...extra }));

  /** Invokes the stored code of `name`, collecting its log lines. */
  const run = async (name: string, requestId = `req-${name}-${Date.now()}`) => {
    const code = cloud.lambdaCode.code(name);
    if (!code) throw new Error(`the front kept no code for ${name}`);
    const logs: string[] = [];
    const started = performance.now();
    const result = await runner.invoke(code, EVENT, { requestId, onLog: (line) => logs.push(line) });
    return { result, logs, requestId, wallMs: performance.now() - started };
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    runner = new LambdaRunner({ cacheDir: join(ownFolder("lambda-runner"), "cache") });
    const iam = new IAMClient({ ...CONFIG, endpoint: cloud.endpoint });
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    role = (await iam.send(new CreateRoleCommand({ RoleName: "runner-test", AssumeRolePolicyDocument: document }))).Role!.Arn!;
    iam.destroy();
    // The real handler, bundled as the stacks bundle it.
    work = ownFolder("lambda-runner-test");
    buildSync({ entryPoints: [join(__dirname, "..", "..", "..", "..", "..", "lambdas", "public.ts")], bundle: true, platform: "node", target: bundleTarget(), format: "cjs", outfile: join(work, "bundle", "index.js"), logLevel: "silent" });
    publicZip = zipDirectory(join(work, "bundle"));
  }, 30_000);

  afterAll(async () => {
    await runner?.stop();
    lambda?.destroy();
    await cloud?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 15_000);

  test("the front keeps the code and configuration a function was created with", async () => {
    await create("public", publicZip, { Timeout: 5, Environment: { Variables: { GREETING: "hi" } } });
    const code = cloud.lambdaCode.code("public");
    expect(code?.zip.equals(Buffer.from(publicZip))).toBe(true);
    expect(code).toMatchObject({ functionName: "public", handler: "index.handler", runtime: "nodejs22.x", timeout: 5, environment: { GREETING: "hi" }, version: 1 });
  });

  test("the bundled public handler answers Hello stranger! through the 2.0 response mapping, logging with the request id", async () => {
    const { result, logs, requestId } = await run("public", "request-public-1");
    expect(result.kind).toBe("ok");
    const response = mapResponse(result);
    expect(response.statusCode).toBe(200);
    expect(response.body.toString()).toBe("Hello stranger!");
    // public.ts writes one JSON line with the Lambda request id and API Gateway's.
    const greeted = logs.find((line) => line.includes("greeted a stranger"));
    expect(greeted?.split("\t")[1]).toBe(requestId);
    expect(JSON.parse(greeted!.split("\t").slice(2).join("\t"))).toMatchObject({ requestId, apiRequestId: "api-request-1" });
  });

  test("a second invocation reuses the warm process; the next request's lines carry its own id", async () => {
    const { result, logs } = await run("public", "request-public-2");
    expect(result.coldStart).toBe(false);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((line) => line.split("\t")[1] === "request-public-2")).toBe(true);
  });

  test("a handler that throws is a function error: 500, and an Invoke Error log line", async () => {
    await create("thrower", zipOf("exports.handler = async () => { throw new TypeError('no greeting today'); };"));
    const { result, logs, requestId } = await run("thrower");
    expect(result).toMatchObject({ kind: "error", errorType: "TypeError", errorMessage: "no greeting today" });
    expect(mapResponse(result)).toMatchObject({ statusCode: 500 });
    expect(mapResponse(result).body.toString()).toBe('{"message":"Internal Server Error"}');
    expect(logs.some((line) => line.includes(requestId) && line.includes("Invoke Error"))).toBe(true);
  });

  test("a handler that sleeps past a 1-second timeout is stopped at it, not when it would have answered: 503", async () => {
    await create("sleeper", zipOf("exports.handler = () => new Promise((resolve) => setTimeout(() => resolve('late'), 10000));"), { Timeout: 1 });
    const { result, wallMs, logs } = await run("sleeper");
    expect(result.kind).toBe("timeout");
    // Not before its timeout, and well before the 10 s the handler would take (how soon after 1 s depends on the machine).
    expect(wallMs).toBeGreaterThanOrEqual(1000);
    expect(wallMs).toBeLessThan(10_000);
    expect(mapResponse(result)).toMatchObject({ statusCode: 503 });
    expect(logs.some((line) => line.endsWith("Task timed out after 1.00 seconds"))).toBe(true);
  });

  test("UpdateFunctionCode bumps the version and the next invocation runs the new code, in a fresh process", async () => {
    await create("changing", zipOf("exports.handler = async () => 'first';"));
    expect(mapResponse((await run("changing")).result).body.toString()).toBe("first");
    const { FunctionArn } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "changing" }));
    // Named by ARN, as Terraform may.
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: FunctionArn, ZipFile: zipOf("exports.handler = async () => ({ version: 2 });") }));
    expect(cloud.lambdaCode.code("changing")?.version).toBe(2);
    const { result } = await run("changing");
    expect(result.coldStart).toBe(true);
    const response = mapResponse(result);
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.body.toString()).toBe('{"version":2}');
  });

  test("UpdateFunctionConfiguration changes handler, timeout and environment; the process picks them up", async () => {
    await create("configured", zipOf("exports.handler = async () => process.env.WORD; exports.other = async () => 'other ' + process.env.WORD;"), { Environment: { Variables: { WORD: "one" } } });
    expect((await run("configured")).result).toMatchObject({ kind: "ok", result: "one" });
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "configured", Handler: "index.other", Timeout: 7, Environment: { Variables: { WORD: "two" } } }));
    expect(cloud.lambdaCode.code("configured")).toMatchObject({ handler: "index.other", timeout: 7, environment: { WORD: "two" }, version: 1 });
    expect((await run("configured")).result).toMatchObject({ kind: "ok", result: "other two" });
  });

  test("what moto refuses is not kept; DeleteFunction forgets; listeners hear of every change", async () => {
    const heard: string[] = [];
    const listener = (name: string) => heard.push(name);
    cloud.lambdaCode.on("update", listener);
    await create("short-lived", zipOf("exports.handler = async () => 1;"));
    await expect(create("short-lived", zipOf("exports.handler = async () => 2;"))).rejects.toThrow();
    expect(cloud.lambdaCode.code("short-lived")?.zip.equals(Buffer.from(zipOf("exports.handler = async () => 1;")))).toBe(true);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: "short-lived" }));
    expect(cloud.lambdaCode.code("short-lived")).toBeUndefined();
    cloud.lambdaCode.off("update", listener);
    expect(heard).toEqual(["short-lived", "short-lived"]);
  });

  test("the logging config routes still apply behind the code routes", async () => {
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: "logged", Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { ZipFile: zipOf("exports.handler = async () => 1;") }, LoggingConfig: { LogFormat: "JSON" } }),
    );
    expect((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "logged" }))).LoggingConfig?.LogFormat).toBe("JSON");
    expect(cloud.lambdaCode.code("logged")?.version).toBe(1);
  });

  test("the front keeps role, memory size, logging config and reserved concurrency, and their changes", async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "kept-config",
        Runtime: "nodejs22.x",
        Role: role,
        Handler: "index.handler",
        MemorySize: 512,
        Code: { ZipFile: zipOf("exports.handler = async () => 1;") },
        LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "DEBUG", SystemLogLevel: "WARN" },
      }),
    );
    expect(cloud.lambdaCode.code("kept-config")).toMatchObject({
      role,
      memorySize: 512,
      loggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "DEBUG", SystemLogLevel: "WARN", LogGroup: "/aws/lambda/kept-config" },
    });
    expect(cloud.lambdaCode.code("kept-config")?.reservedConcurrency).toBeUndefined();
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "kept-config", ReservedConcurrentExecutions: 3 }));
    expect(cloud.lambdaCode.code("kept-config")?.reservedConcurrency).toBe(3);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "kept-config", MemorySize: 1024, LoggingConfig: { LogFormat: "Text", LogGroup: "/custom/kept" } }));
    expect(cloud.lambdaCode.code("kept-config")).toMatchObject({ memorySize: 1024, reservedConcurrency: 3, loggingConfig: { LogFormat: "Text", LogGroup: "/custom/kept" } });
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "kept-config" }));
    expect(cloud.lambdaCode.code("kept-config")?.reservedConcurrency).toBeUndefined();
  });
});
