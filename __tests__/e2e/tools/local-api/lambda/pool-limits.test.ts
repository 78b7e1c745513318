import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { MAX_LINE_BYTES } from "../../../../../tools/local-api/lambda/bounded-lines";
import type { InvokeResult, RunnableCode } from "../../../../../tools/local-api/lambda/invocation";
import { LambdaRunner, RunnerOptions } from "../../../../../tools/local-api/lambda/pool";
import { mapResponse } from "../../../../../tools/local-api/payload-v2";
import { describeWhen, missing } from "../../../../support/requires";
import { ownFolder } from "../../../../support/test-run";

/**
 * The runner under hostile handlers, with real handler processes and no cloud: its process bound holds under load,
 * invocations time out and are throttled as Lambda's are, a handler's output is bounded, and every process a handler
 * starts ends with its sandbox.
 */

const folder = ownFolder("lambda-runner-limits");
const cacheDir = join(folder, "cache");

/** A function of one index.js, named for the test. */
const code = (functionName: string, source: string, extra: Partial<RunnableCode> = {}): RunnableCode => ({
  functionName,
  zip: Buffer.from(zipSync({ "index.js": Buffer.from(source) }, { mtime: new Date("2026-01-01T00:00:00Z") })),
  handler: "index.handler",
  timeout: 60,
  environment: {},
  ...extra,
});

/** Command lines of this process's children that run the bootstrap on `fn`'s zip (its task root is named by its hash). */
function bootstrapChildren(fn: RunnableCode): number {
  const taskRoot = createHash("sha256").update(fn.zip).digest("hex");
  const listed = execFileSync("ps", ["--ppid", String(process.pid), "-o", "args="], { encoding: "utf8" });
  return listed.split("\n").filter((line) => /bootstrap-[0-9a-f]+\.js/.test(line) && line.includes(taskRoot)).length;
}

/** Whether `pid` is a process that has not exited (a zombie has). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
}

/** Waits until `condition` holds, checking every 100 ms; fails after `ms`. */
async function eventually(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A handler that starts a `detached: true` child (its own session and group), a plain one, and a double-forked orphan, and answers their pids. */
const SPAWNER = `const { spawn, execFileSync } = require("node:child_process");
const sleeper = (options) => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore", ...options });
exports.handler = async (event) => {
  const detached = sleeper({ detached: true });
  detached.unref();
  const plain = sleeper({});
  // A daemon: its parent exits at once, so it is init's child, in a session of its own.
  const orphan = Number(execFileSync(process.execPath, ["-e", "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' }); c.unref(); console.log(c.pid)"], { encoding: "utf8" }));
  const pids = [detached.pid, plain.pid, orphan];
  console.log("pids " + JSON.stringify(pids));
  if (event.hang) await new Promise(() => {});
  return pids;
};`;

describeWhen(missing("lambda-node"))("Lambda runner: bounds under hostile handlers", () => {
  const runners: LambdaRunner[] = [];
  /** Processes the handlers started: killed by pid at the end should a test fail. */
  const started: number[] = [];
  const runnerWith = (options: RunnerOptions = {}) => {
    const runner = new LambdaRunner({ cacheDir, ...options });
    runners.push(runner);
    return runner;
  };

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    for (const pid of started.filter(running)) process.kill(pid, "SIGKILL");
  }, 30_000);

  test("30 never-returning calls with a bound of 10: never more than 10 processes, each call Lambda's timeout, none a crash", async () => {
    const fn = code("hangs", `exports.handler = () => new Promise(() => {});`, { timeout: 1 });
    const runner = runnerWith({ maxProcessesPerFunction: 10 });
    let mostCounted = 0;
    let mostListed = 0;
    const sampler = setInterval(() => {
      mostCounted = Math.max(mostCounted, runner.processCount("hangs"));
      mostListed = Math.max(mostListed, bootstrapChildren(fn));
    }, 20);
    const logs = new Map<string, string[]>();
    let results: InvokeResult[];
    try {
      results = await Promise.all(
        Array.from({ length: 30 }, (_, n) => runner.invoke(fn, {}, { requestId: `hang-${n}`, onLog: (line, { requestId }) => logs.set(requestId, [...(logs.get(requestId) ?? []), line]) })),
      );
    } finally {
      clearInterval(sampler);
    }
    expect(results.map((result) => result.kind)).toEqual(Array(30).fill("timeout"));
    for (let n = 0; n < 30; n += 1) expect(logs.get(`hang-${n}`)?.some((line) => line.endsWith("\tTask timed out after 1.00 seconds"))).toBe(true);
    expect(mostListed).toBeGreaterThan(0);
    expect(mostListed).toBeLessThanOrEqual(10);
    expect(mostCounted).toBeLessThanOrEqual(10);
    await eventually(() => bootstrapChildren(fn) === 0 && runner.processCount("hangs") === 0, 10_000);
  }, 120_000);

  test("a queued invocation's timeout starts when it runs: five 300 ms calls on one process within a 1 s timeout all answer", async () => {
    const fn = code("queued", `exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve(event.n), 300));`, { timeout: 1 });
    const runner = runnerWith({ maxProcessesPerFunction: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, n) => runner.invoke(fn, { n })));
    expect(results.map((result) => (result.kind === "ok" ? result.result : result.kind))).toEqual([0, 1, 2, 3, 4]);
  }, 60_000);

  test("calls beyond a function's reserved concurrency are throttled as Lambda throttles them (TooManyRequestsException), which API Gateway answers 500", async () => {
    const fn = code("reserved", `exports.handler = () => new Promise((resolve) => setTimeout(() => resolve("ran"), 200));`, { reservedConcurrency: 2 });
    const runner = runnerWith({ maxProcessesPerFunction: 10 });
    const results = await Promise.all(Array.from({ length: 5 }, () => runner.invoke(fn, {})));
    expect(results.filter((result) => result.kind === "ok")).toHaveLength(2);
    const throttled = results.filter((result) => result.kind === "error");
    expect(throttled).toHaveLength(3);
    for (const result of throttled) {
      expect(result).toMatchObject({ errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded. reserved is at its reserved concurrency of 2" });
      expect(mapResponse(result)).toMatchObject({ statusCode: 500 });
    }
    // Once they have answered, the concurrency is free again.
    expect(await runner.invoke(fn, {})).toMatchObject({ kind: "ok", result: "ran" });
  }, 60_000);

  test("a 100 MB line is cut to a log event's size and says how much was cut; the invocation answers, also when the line has no newline", async () => {
    const MB = 1024 * 1024;
    const fn = code("floods", `exports.handler = async (event) => {
      for (let i = 0; i < 100; i += 1) process.stdout.write("x".repeat(${MB}));
      // Without a newline the runtime's end marker follows the x's on the same line.
      if (event.newline) console.log("\\nafter");
      return "done";
    };`);
    const runner = runnerWith();
    for (const newline of [true, false]) {
      const lines: string[] = [];
      const result = await runner.invoke(fn, { newline }, { onLog: (line) => lines.push(line) });
      expect(result).toMatchObject({ kind: "ok", result: "done" });
      const long = lines.find((line) => line.includes("\txxx"))!;
      expect(long.split("\t")[2]).toBe(`${"x".repeat(MAX_LINE_BYTES)} [truncated: ${100 * MB - MAX_LINE_BYTES} more bytes; a log event holds at most 256 KB]`);
      expect(lines.some((line) => line.endsWith("\tafter"))).toBe(newline);
    }
  }, 120_000);

  test("a response larger than Lambda's 6 MB is Lambda's Function.ResponseSizeTooLarge, not carried", async () => {
    const fn = code("too-large", `exports.handler = async () => "x".repeat(7 * 1024 * 1024);`, { memorySize: 256 });
    const result = await runnerWith().invoke(fn, {});
    expect(result).toMatchObject({ kind: "error", errorType: "Function.ResponseSizeTooLarge", errorMessage: "Response payload size exceeded maximum allowed payload size (6291556 bytes)." });
  }, 60_000);

  test("every process a handler starts, detached or double-forked, ends with its sandbox: at stop, and at a timeout", async () => {
    const fn = code("spawner", SPAWNER, { timeout: 2 });
    const runner = runnerWith();
    const result = await runner.invoke(fn, {});
    expect(result.kind).toBe("ok");
    const pids = (result as Extract<InvokeResult, { kind: "ok" }>).result as number[];
    started.push(...pids);
    expect(pids.filter(running)).toEqual(pids);
    await runner.stop();
    expect(pids.filter(running)).toEqual([]);

    const timingOut = runnerWith();
    const lines: string[] = [];
    const timedOut = await timingOut.invoke({ ...fn, functionName: "spawner-hangs" }, { hang: true }, { onLog: (line) => lines.push(line) });
    expect(timedOut.kind).toBe("timeout");
    const hung = JSON.parse(/pids (\[.*\])/.exec(lines.join("\n"))![1]) as number[];
    started.push(...hung);
    expect(hung).toHaveLength(3);
    await eventually(() => hung.filter(running).length === 0, 10_000);
  }, 60_000);

  test("a runner killed with SIGKILL leaves no handler process behind: the runtime ends its sandbox when its parent goes", async () => {
    const script = join(folder, "killed-runner.ts");
    const fn = code("spawner-orphaned", SPAWNER);
    writeFileSync(
      script,
      `import { LambdaRunner } from ${JSON.stringify(join(__dirname, "../../../../../tools/local-api/lambda/pool"))};
const runner = new LambdaRunner({ cacheDir: ${JSON.stringify(cacheDir)} });
const code = { ...${JSON.stringify({ ...fn, zip: undefined })}, zip: Buffer.from(${JSON.stringify(fn.zip.toString("base64"))}, "base64") };
runner.invoke(code, {}).then((result) => console.log(JSON.stringify(result)));
`,
    );
    const child = spawn(join(__dirname, "../../../../../node_modules/.bin/tsx"), [script], { stdio: ["ignore", "pipe", "inherit"] });
    const answer = await new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk;
        if (out.includes("\n")) resolve(out);
      });
    });
    const pids = (JSON.parse(answer) as { result: number[] }).result;
    started.push(...pids);
    expect(pids.filter(running)).toEqual(pids);
    process.kill(child.pid!, "SIGKILL");
    await eventually(() => pids.filter(running).length === 0, 10_000);
  }, 60_000);
});
