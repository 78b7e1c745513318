import { join } from "node:path";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, CreateFunctionCommandInput, LambdaClient, Runtime, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { buildSync } from "esbuild";
import { zipSync } from "fflate";
import { bundleTarget } from "../../../../../constructs/runtime";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../../tools/local-cloud";
import type { InvokeResult } from "../../../../../tools/local-api/lambda/invocation";
import { lambdaNodeMissing } from "../../../../../tools/local-api/lambda/node";
import { LambdaRunner } from "../../../../../tools/local-api/lambda/pool";
import { mapResponse } from "../../../../../tools/local-api/payload-v2";
import { describeWhen, missing } from "../../../../support/requires";
import { ownFolder } from "../../../../support/test-run";

const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };

// The machine is shared: moto's CreateFunction can take seconds under load, more than jest's default 5 s.
jest.setTimeout(60_000);

/** One handler, bundled as the stacks bundle handlers, that says which Node runs it and what runtime Lambda's variable names. */
const ZIP = (() => {
  const contents = `export const handler = async () => ({ version: process.version, executionEnv: process.env.AWS_EXECUTION_ENV });`;
  const built = buildSync({ stdin: { contents, loader: "ts" }, bundle: true, platform: "node", format: "cjs", target: bundleTarget(), write: false, logLevel: "silent" });
  return zipSync({ "index.js": built.outputFiles[0].contents }, { mtime: new Date("2026-01-01T00:00:00Z") });
})();

/** Waits until `condition` holds, checking every 100 ms; fails after `ms`. */
async function eventually(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the handler answers. */
interface Answer {
  readonly version: string;
  readonly executionEnv: string;
}

/** Each function runs on the Node of its own runtime (`Runtime` of CreateFunction and UpdateFunctionConfiguration), as Lambda runs it. */
describeWhen(missing("moto", "lambda-node", "lambda-node-24"))("local Lambda runtime: the Node of each function's runtime", () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let runner: LambdaRunner;
  let role: string;
  /** No Node 26 here, whatever the environment of the run says. */
  const savedNode26 = process.env.LAMBDA_NODE_26;

  const create = (name: string, runtime: string, extra: Partial<CreateFunctionCommandInput> = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Role: role, Handler: "index.handler", Code: { ZipFile: ZIP }, ...extra }));

  /** Invokes the stored code of `name`, collecting its log lines. */
  const run = async (name: string) => {
    const code = cloud.lambdaCode.code(name);
    if (!code) throw new Error(`the front kept no code for ${name}`);
    const logs: string[] = [];
    const requestId = `req-${name}-${Date.now()}`;
    const result = await runner.invoke(code, {}, { requestId, onLog: (line) => logs.push(line) });
    return { result, logs, requestId };
  };

  /** The handler's answer; fails the test on any other result. */
  const answerOf = (result: InvokeResult): Answer => {
    expect(result).toMatchObject({ kind: "ok" });
    return (result as Extract<InvokeResult, { kind: "ok" }>).result as Answer;
  };

  beforeAll(async () => {
    delete process.env.LAMBDA_NODE_26;
    cloud = await startLocalCloud({ warmUp: false });
    lambda = new LambdaClient({ ...CONFIG, endpoint: cloud.endpoint });
    runner = new LambdaRunner({ cacheDir: join(ownFolder("lambda-runtimes"), "cache") });
    const iam = new IAMClient({ ...CONFIG, endpoint: cloud.endpoint });
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    role = (await iam.send(new CreateRoleCommand({ RoleName: "runtimes-test", AssumeRolePolicyDocument: document }))).Role!.Arn!;
    iam.destroy();
  }, 60_000);

  afterAll(async () => {
    if (savedNode26 !== undefined) process.env.LAMBDA_NODE_26 = savedNode26;
    await runner?.stop();
    lambda?.destroy();
    await cloud?.stop();
  }, 30_000);

  test("the same bundled handler runs on Node 22 as nodejs22.x and on Node 24 as nodejs24.x; INIT_START names the Node", async () => {
    await create("on-22", "nodejs22.x");
    await create("on-24", "nodejs24.x");
    for (const [name, runtime, major] of [["on-22", "nodejs22.x", 22], ["on-24", "nodejs24.x", 24]] as const) {
      const { result, logs, requestId } = await run(name);
      const answer = answerOf(result);
      expect(answer.version).toMatch(new RegExp(`^v${major}\\.`));
      expect(answer.executionEnv).toBe(`AWS_Lambda_${runtime}`);
      // The first line of a new process, as Lambda's runtime writes it, honestly local.
      expect(result.coldStart).toBe(true);
      expect(logs[0].split("\t").slice(1)).toEqual([requestId, `INIT_START Runtime Version: nodejs:${major} (local Node ${answer.version})`]);
    }
  });

  test("a warm process is not reused once the function's runtime changes: the next invocation starts on the new runtime's Node", async () => {
    await create("changes-runtime", "nodejs22.x");
    expect(answerOf((await run("changes-runtime")).result).version).toMatch(/^v22\./);
    const warm = await run("changes-runtime");
    expect(warm.result.coldStart).toBe(false);
    expect(warm.logs.some((line) => line.includes("INIT_START"))).toBe(false);

    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "changes-runtime", Runtime: "nodejs24.x" }));
    expect(cloud.lambdaCode.code("changes-runtime")?.runtime).toBe("nodejs24.x");
    const moved = await run("changes-runtime");
    const answer = answerOf(moved.result);
    expect(answer).toEqual({ version: expect.stringMatching(/^v24\./), executionEnv: "AWS_Lambda_nodejs24.x" });
    expect(moved.result.coldStart).toBe(true);
    expect(moved.logs.some((line) => line.endsWith(`\tINIT_START Runtime Version: nodejs:24 (local Node ${answer.version})`))).toBe(true);
    // The Node 22 process was retired, not kept beside it: it leaves the pool once it has exited.
    await eventually(() => runner.processCount("changes-runtime") === 1, 10_000);
  });

  test("a runtime with no Node here is an InvalidRuntimeException result of one line, also in the log, and no process", async () => {
    await create("on-26", "nodejs26.x");
    const { result, logs, requestId } = await run("on-26");
    const message = lambdaNodeMissing("nodejs26.x")!;
    expect(message).toMatch(/^no Node 26 for Lambda handlers \(runtime nodejs26\.x\): .*set LAMBDA_NODE_26 to the path of a Node 26 binary$/);
    expect(result).toMatchObject({ kind: "error", errorType: "InvalidRuntimeException", errorMessage: message });
    expect(message).not.toContain("\n");
    // API Gateway answers a function error with its 500.
    expect(mapResponse(result)).toMatchObject({ statusCode: 500 });
    expect(logs).toEqual([expect.stringMatching(/^\S+\t/)]);
    expect(logs[0].split("\t").slice(1)).toEqual([requestId, message]);
    expect(runner.processCount("on-26")).toBe(0);
  });

  test("with the JSON log format, INIT_START is a JSON line at INFO, left out when SystemLogLevel is WARN", async () => {
    await create("json-24", "nodejs24.x", { LoggingConfig: { LogFormat: "JSON" } });
    const { result, logs, requestId } = await run("json-24");
    const { version } = answerOf(result);
    expect(JSON.parse(logs[0])).toEqual({ timestamp: expect.any(String), level: "INFO", requestId, message: `INIT_START Runtime Version: nodejs:24 (local Node ${version})` });

    await create("json-24-quiet", "nodejs24.x", { LoggingConfig: { LogFormat: "JSON", SystemLogLevel: "WARN" } });
    const quiet = await run("json-24-quiet");
    expect(quiet.result).toMatchObject({ kind: "ok", coldStart: true });
    expect(quiet.logs.some((line) => line.includes("INIT_START"))).toBe(false);
  });
});
