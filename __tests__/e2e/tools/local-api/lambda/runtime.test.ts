import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, CreateFunctionCommandInput, LambdaClient, PutFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { zipSync } from "fflate";
import { bundleHandler } from "../../../../../constructs/bundle";
import { zipDirectory } from "../../../../../tools/shared/zip";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../../tools/local-cloud";
import type { InvokeResult, SessionCredentials } from "../../../../../tools/local-api/lambda/invocation";
import { LambdaRunner, RunnerOptions } from "../../../../../tools/local-api/lambda/pool";
import { describeWhen, missing } from "../../../../support/requires";
import { ownFolder } from "../../../../support/test-run";

/** Where this file's runners unpack zips: a folder of its own. */
const cacheDir = join(ownFolder("lambda-runtime"), "cache");

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

/** A zip with one `index.js`. */
const zipOf = (source: string) => zipSync({ "index.js": Buffer.from(source) });

/** The documented local key pair, as role credentials valid for `ms`; until the front mints role sessions. */
const localCredentials = (ms: number): SessionCredentials => ({ ...LOCAL_CREDENTIALS, expiration: new Date(Date.now() + ms) });

/** Command lines of this process's children that run the Lambda bootstrap on the code of `zip` (its task root is named by its hash). */
function bootstrapChildren(zip: Buffer): string[] {
  const taskRoot = createHash("sha256").update(zip).digest("hex");
  const listed = execFileSync("ps", ["--ppid", String(process.pid), "-o", "args="], { encoding: "utf8" });
  return listed.split("\n").filter((line) => /bootstrap-[0-9a-f]+\.js/.test(line) && line.includes(taskRoot));
}

/** Waits until `condition` holds, checking every 100 ms; fails after `ms`. */
async function eventually(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The local Lambda runtime gives handlers what Lambda's Node.js runtime gives them: the SDK, credentials, environment, logs. */
describeWhen(missing("moto", "lambda-node"))("local Lambda runtime: as the nodejs22.x runtime behaves", () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let s3: S3Client;
  let role: string;
  const runners: LambdaRunner[] = [];

  /** A runner pointed at the local cloud, with the local key pair as the role's credentials. */
  const runnerWith = (options: RunnerOptions = {}) => {
    const runner = new LambdaRunner({ cacheDir, endpointUrl: cloud.endpoint, credentials: async () => localCredentials(3_600_000), ...options });
    runners.push(runner);
    return runner;
  };

  const create = (name: string, zip: Uint8Array, extra: Partial<CreateFunctionCommandInput> = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: { ZipFile: zip }, ...extra }));

  /** Invokes what the front keeps of `name`, collecting its log lines. */
  const run = async (runner: LambdaRunner, name: string, event: unknown = {}) => {
    const code = cloud.lambdaCode.code(name);
    if (!code) throw new Error(`the front kept no code for ${name}`);
    const logs: string[] = [];
    const requestId = `req-${name}-${randomBytes(4).toString("hex")}`;
    const result = await runner.invoke(code, event, { requestId, onLog: (line) => logs.push(line) });
    return { result, logs, requestId };
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    s3 = new S3Client({ ...CONFIG, endpoint: cloud.endpoint, forcePathStyle: true });
    const iam = new IAMClient({ ...CONFIG, endpoint: cloud.endpoint });
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    role = (await iam.send(new CreateRoleCommand({ RoleName: "runtime-test", AssumeRolePolicyDocument: document }))).Role!.Arn!;
    iam.destroy();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    lambda?.destroy();
    s3?.destroy();
    await cloud?.stop();
  }, 30_000);

  test("an unmodified new S3Client({}) in a bundled handler puts and gets an object in the local cloud, with the SDK from the project", async () => {
    const bucket = `runtime-test-${randomBytes(4).toString("hex")}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Bundled as the stacks bundle handlers: the SDK stays out of the bundle.
    const bundle = bundleHandler(join(__dirname, "..", "..", "..", "..", "fixtures", "runtime", "s3-round-trip.ts"));
    const zip = zipDirectory(bundle);
    expect(Buffer.from(zip).length).toBeLessThan(50_000);
    await create("s3-round-trip", zip, { Timeout: 30 });
    const { result } = await run(runnerWith(), "s3-round-trip", { bucket, key: "greeting.txt", body: "hello from the handler" });
    expect(result).toMatchObject({ kind: "ok", result: { body: "hello from the handler", region: LOCAL_REGION } });
    // The object is in moto, not somewhere else.
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "greeting.txt" }));
    expect(await stored.Body!.transformToString()).toBe("hello from the handler");
  }, 60_000);

  test("the process has Lambda's environment: reserved variables win over the function's, credentials and endpoint set, heap sized from MemorySize", async () => {
    const source = `exports.handler = async (event, context) => ({
      env: process.env,
      execArgv: process.execArgv,
      heapLimit: require("v8").getHeapStatistics().heap_size_limit,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      timezoneOffset: new Date().getTimezoneOffset(),
    });`;
    await create("environment", zipOf(source), {
      MemorySize: 256,
      Environment: { Variables: { OWN_SETTING: "mine", AWS_REGION: "eu-west-3", AWS_LAMBDA_FUNCTION_NAME: "impostor" } },
      LoggingConfig: { LogFormat: "Text", LogGroup: "/custom/environment" },
    });
    const runner = runnerWith();
    const { result } = await run(runner, "environment");
    expect(result.kind).toBe("ok");
    const answer = (result as Extract<InvokeResult, { kind: "ok" }>).result as { env: Record<string, string>; execArgv: string[]; heapLimit: number; logGroupName: string; logStreamName: string; timezoneOffset: number };
    const { env } = answer;
    expect(env).toMatchObject({
      OWN_SETTING: "mine",
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_LAMBDA_FUNCTION_NAME: "environment",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_LOG_GROUP_NAME: "/custom/environment",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      _HANDLER: "index.handler",
      TZ: ":UTC",
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL: cloud.endpoint,
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(env.LAMBDA_TASK_ROOT).toBe(env.NODE_PATH);
    expect(answer.logGroupName).toBe("/custom/environment");
    expect(answer.logStreamName).toBe(env.AWS_LAMBDA_LOG_STREAM_NAME);
    expect(answer.timezoneOffset).toBe(0);
    // Nothing of the test's own environment leaks in.
    expect(env.JEST_WORKER_ID).toBeUndefined();
    expect(answer.execArgv).toEqual(expect.arrayContaining(["--enable-source-maps", "--max-old-space-size=231"]));
    // V8's default heap limit is several times larger than a 256 MiB function's.
    expect(answer.heapLimit).toBeLessThan(400 * 1024 * 1024);
  }, 60_000);

  test("with LogFormat JSON, console calls are JSON lines filtered by ApplicationLogLevel, and the Invoke Error is one too", async () => {
    const source = `exports.handler = async () => {
      console.debug("hidden debug");
      console.info("hidden info");
      console.warn("careful", 42);
      console.error(new RangeError("out of range"));
      throw new TypeError("no greeting today");
    };`;
    await create("json-logs", zipOf(source), { LoggingConfig: { LogFormat: "JSON", ApplicationLogLevel: "WARN" } });
    const { result, logs, requestId } = await run(runnerWith(), "json-logs");
    expect(result).toMatchObject({ kind: "error", errorType: "TypeError", errorMessage: "no greeting today" });
    // The runtime's INIT_START comes first: system lines are filtered by SystemLogLevel (INFO by default), not ApplicationLogLevel.
    const [initStart, ...lines] = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(initStart).toMatchObject({ level: "INFO", requestId, message: expect.stringMatching(/^INIT_START Runtime Version: nodejs:22 /) });
    expect(lines.map((line) => line.level)).toEqual(["WARN", "ERROR", "ERROR"]);
    for (const line of lines) {
      expect(line.requestId).toBe(requestId);
      expect(new Date(line.timestamp as string).toISOString()).toBe(line.timestamp);
    }
    expect(lines[0].message).toBe("careful 42");
    expect(lines[1].message).toMatchObject({ errorType: "RangeError", errorMessage: "out of range", stackTrace: expect.arrayContaining([expect.stringContaining("RangeError")]) });
    expect(lines[2].message).toMatchObject({ errorType: "TypeError", errorMessage: "no greeting today" });
  }, 60_000);

  test("a handler importing an @aws-sdk package the project lacks gets one Runtime.ImportModuleError line saying what to install", async () => {
    await create("missing-sdk", zipOf(`const { Client } = require("@aws-sdk/client-this-does-not-exist"); exports.handler = async () => "unreachable";`));
    const { result, logs } = await run(runnerWith(), "missing-sdk");
    expect(result).toMatchObject({ kind: "error", errorType: "Runtime.ImportModuleError" });
    const message = (result as Extract<InvokeResult, { kind: "error" }>).errorMessage;
    expect(message).toContain("Cannot find module '@aws-sdk/client-this-does-not-exist'");
    expect(message).toContain("npm install -D @aws-sdk/client-this-does-not-exist");
    expect(message).not.toContain("\n");
    // After the runtime's INIT_START, one line.
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain("\tINIT_START Runtime Version: nodejs:22 ");
    expect(logs[1]).toContain("Invoke Error");
    expect(logs[1]).toContain("npm install -D @aws-sdk/client-this-does-not-exist");
  }, 60_000);

  test("only @aws-sdk packages come from the project: another project package is an ImportModuleError, as on Lambda", async () => {
    await create("project-package", zipOf(`require("esbuild"); exports.handler = async () => "unreachable";`));
    const { result } = await run(runnerWith(), "project-package");
    expect(result).toMatchObject({ kind: "error", errorType: "Runtime.ImportModuleError", errorMessage: expect.stringContaining("Cannot find module 'esbuild'") });
  }, 60_000);

  test("a warm process is reused while its credentials last, and not once they expire within 5 minutes", async () => {
    await create("credentials", zipOf(`exports.handler = async () => process.env.AWS_SECRET_ACCESS_KEY;`));
    let issued = 0;
    const lasting = runnerWith({ credentials: async () => ((issued += 1), localCredentials(3_600_000)) });
    expect((await run(lasting, "credentials")).result).toMatchObject({ kind: "ok", coldStart: true });
    expect((await run(lasting, "credentials")).result).toMatchObject({ kind: "ok", coldStart: false });
    expect(issued).toBe(1);
    const expiring = runnerWith({ credentials: async () => ((issued += 1), localCredentials(4 * 60_000)) });
    expect((await run(expiring, "credentials")).result).toMatchObject({ kind: "ok", coldStart: true });
    expect((await run(expiring, "credentials")).result).toMatchObject({ kind: "ok", coldStart: true });
    expect(issued).toBe(3);
    expect(expiring.processCount("credentials")).toBeLessThanOrEqual(1);
  }, 60_000);

  test("100 concurrent invocations of a sleeping handler run on at most 3 processes, all answered; idle processes are reaped", async () => {
    await create("pooled", zipOf(`exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve(event.n), 100));`), { Timeout: 60 });
    const runner = runnerWith({ maxProcessesPerFunction: 3, idleTimeoutMs: 1_000 });
    const code = cloud.lambdaCode.code("pooled")!;
    let mostCounted = 0;
    let mostListed = 0;
    const sampler = setInterval(() => {
      mostCounted = Math.max(mostCounted, runner.processCount("pooled"));
      mostListed = Math.max(mostListed, bootstrapChildren(code.zip).length);
    }, 50);
    let results: InvokeResult[];
    try {
      results = await Promise.all(Array.from({ length: 100 }, (_, n) => runner.invoke(code, { n })));
    } finally {
      clearInterval(sampler);
    }
    expect(results.map((result) => (result.kind === "ok" ? result.result : result))).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(mostListed).toBeGreaterThan(0);
    expect(mostListed).toBeLessThanOrEqual(3);
    expect(mostCounted).toBeLessThanOrEqual(3);
    expect(results.filter((result) => result.coldStart).length).toBeLessThanOrEqual(3);
    // The idle timeout ends them all.
    await eventually(() => runner.processCount("pooled") === 0, 30_000);
    expect(bootstrapChildren(code.zip)).toEqual([]);
  }, 120_000);

  test("a function's reserved concurrency (PutFunctionConcurrency) bounds its processes below the runner's limit; calls beyond it are throttled", async () => {
    await create("reserved", zipOf(`exports.handler = () => new Promise((resolve) => setTimeout(() => resolve("done"), 100));`), { Timeout: 60 });
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 2 }));
    const code = cloud.lambdaCode.code("reserved")!;
    expect(code.reservedConcurrency).toBe(2);
    const runner = runnerWith({ maxProcessesPerFunction: 10 });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, runner.processCount("reserved"))), 20);
    let results: InvokeResult[];
    try {
      results = await Promise.all(Array.from({ length: 20 }, () => runner.invoke(code, {})));
    } finally {
      clearInterval(sampler);
    }
    // As on Lambda: two run, the others are refused at once rather than queued.
    expect(results.filter((result) => result.kind === "ok")).toHaveLength(2);
    expect(results.filter((result) => result.kind === "error" && result.errorType === "TooManyRequestsException")).toHaveLength(18);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  }, 120_000);

  test("a process that ends while idle leaves the pool at once, and the next invocation gets a new one", async () => {
    await create("crashes-later", zipOf(`exports.handler = async () => { setTimeout(() => { throw new Error("stray timer"); }, 50); return "answered"; };`));
    const runner = runnerWith({ maxProcessesPerFunction: 1 });
    expect((await run(runner, "crashes-later")).result).toMatchObject({ kind: "ok", result: "answered" });
    // Well before the 60 s idle timeout.
    await eventually(() => runner.processCount("crashes-later") === 0, 10_000);
    expect((await run(runner, "crashes-later")).result).toMatchObject({ kind: "ok", result: "answered", coldStart: true });
  }, 60_000);
});
