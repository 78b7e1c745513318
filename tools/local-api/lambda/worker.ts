import { ChildProcess, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { END_OF_OUTPUT, type InvocationMessage } from "./bootstrap-protocol";
import { BoundedLineSplitter } from "./bounded-lines";
import { jsonLogFormat, lambdaEnvironment } from "./environment";
import type { InvokeResult, LogSink, RunnableCode, SessionCredentials } from "./invocation";
import { killSandbox, SANDBOX_ENV } from "./sandbox-processes";

/** One warm process of a local Lambda function: started with the function's environment, it serves one invocation at a time. */

/** Code and configuration that a warm process can keep serving; its runtime too, which names the Node it runs on. */
export function workerKey(code: RunnableCode): string {
  const hash = code.codeSha256 ?? createHash("sha256").update(code.zip).digest("base64");
  return JSON.stringify([hash, code.handler, code.runtime, code.memorySize, code.region, code.environment, code.role, code.loggingConfig]);
}

/**
 * Node's heap flags for a function of `memorySize` MiB, as Lambda's Node bootstrap derives them: a tenth of the
 * memory for the young generation (half of it per semi-space), the rest for the old one. Locally this bounds the
 * heap only; Lambda also caps the whole process (buffers, native memory), which nothing here does.
 */
export function memoryArguments(memorySize: number): string[] {
  const newSpace = Math.floor(memorySize / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySize - newSpace}`];
}

/** What a process gets besides the function's code and configuration. */
export interface WorkerSetting {
  readonly nodeBinary: string;
  /**
   * What its first invocation's `INIT_START Runtime Version:` line names, e.g. `nodejs:24 (local Node v24.22.3)`
   * (node.ts `localRuntimeVersion`). @default no INIT_START line
   */
  readonly runtimeVersion?: string;
  /** The unpacked zip. */
  readonly taskRoot: string;
  /** bootstrap.ts, compiled (compile-bootstrap.ts). */
  readonly bootstrap: string;
  /** The node_modules the AWS SDK v3 is resolved from. */
  readonly sdkModules: string;
  readonly credentials?: SessionCredentials;
  readonly endpointUrl?: string;
}

/** Levels of the runtime's own lines, least first: with the JSON format, `SystemLogLevel` keeps those at or above it. */
const SYSTEM_LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;

/** The level of a line of the runtime's own. */
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

/** A line as the log sink receives it in the Text format: `<ISO time>\t<request id>\t<text>`, as Lambda writes lines to CloudWatch. */
function textLine(requestId: string, text: string): string {
  return `${new Date().toISOString()}\t${requestId}\t${text}`;
}

/**
 * A line of the runtime's own (`INIT_START`, `Task timed out`), as the log sink receives it in the function's log
 * format: in Text as every line; in JSON an object whose fields approximate Lambda's platform events, or `undefined`
 * when it is below the function's `SystemLogLevel` (INFO unless set), which Lambda applies to the JSON format only.
 */
export function platformLine(code: Pick<RunnableCode, "loggingConfig">, requestId: string, text: string, level: SystemLogLevel): string | undefined {
  if (!jsonLogFormat(code)) return textLine(requestId, text);
  const least = SYSTEM_LOG_LEVELS.indexOf((code.loggingConfig?.SystemLogLevel?.toUpperCase() ?? "INFO") as SystemLogLevel);
  if (SYSTEM_LOG_LEVELS.indexOf(level) < least) return undefined;
  return JSON.stringify({ timestamp: new Date().toISOString(), level, requestId, message: text });
}

/** What a cut line ends with: Lambda cuts a long line to fit a log event; this says so, and how much went. */
function truncation(cutBytes: number): string {
  return ` [truncated: ${cutBytes} more bytes; a log event holds at most 256 KB]`;
}

/** One child process running one function's handler. */
export class Worker {
  private readonly child: ChildProcess;
  /** Set once the process has exited (or never started). */
  private exited = false;
  /** Set once the process is being ended: it takes no more invocations, though it still counts until {@link ended}. */
  private ending = false;
  /**
   * Resolves once the process has exited, for whatever reason, and every process it started is gone too: until then it
   * holds its place in the pool's bound.
   */
  readonly ended: Promise<void>;
  /** The request whose output is arriving; lines written between invocations go to the last one. */
  private requestId = "INIT";
  private onLog: LogSink | undefined;
  private pending: { resolve: (result: InvokeResult) => void; reply?: InvokeResult; ends: number } | undefined;
  /** The INIT_START line's text, until the first invocation has written it. */
  private initStart: string | undefined;
  /** Marks every process of this worker's sandbox (sandbox-processes.ts). */
  private readonly sandboxId = randomUUID();

  /** When the credentials the process was started with expire; `undefined` when it has none that do. */
  readonly credentialsExpiration: Date | undefined;
  /** With the JSON log format the runtime writes whole JSON lines, which are passed on as they are. */
  private readonly jsonLogs: boolean;
  /** How the function logs: the format, and the least level of the runtime's own lines. */
  private readonly logging: Pick<RunnableCode, "loggingConfig">;

  constructor(
    readonly key: string,
    code: RunnableCode,
    setting: WorkerSetting,
  ) {
    const { nodeBinary, taskRoot, bootstrap } = setting;
    const env = lambdaEnvironment(code, setting);
    this.credentialsExpiration = setting.credentials?.expiration;
    this.jsonLogs = jsonLogFormat(code);
    this.logging = { loggingConfig: code.loggingConfig };
    if (setting.runtimeVersion !== undefined) this.initStart = `INIT_START Runtime Version: ${setting.runtimeVersion}`;
    // Source maps on, so stacks name the handler's sources (on AWS that takes NODE_OPTIONS=--enable-source-maps).
    const flags = ["--enable-source-maps", ...memoryArguments(code.memorySize ?? 128)];
    this.child = spawn(nodeBinary, [...flags, bootstrap, taskRoot, code.handler, setting.sdkModules], {
      cwd: taskRoot,
      env: { ...env, [SANDBOX_ENV]: this.sandboxId },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    this.ended = new Promise((resolve) => {
      const gone = () => {
        this.exited = true;
        this.ending = true;
        // What the handler started outlives its parent unless ended here: Lambda ends the whole sandbox.
        killSandbox(this.sandboxId);
        resolve();
      };
      this.child.once("exit", gone);
      // A process that could not be started never exits.
      this.child.once("error", () => this.child.pid === undefined && gone());
    });
    this.child.once("exit", (status, signal) => {
      this.settle({ kind: "error", errorType: "Runtime.ExitError", errorMessage: `RequestId: ${this.requestId} Error: Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${status}`}` }, true);
    });
    // Every error, not only the first: an unheard one would end the runner's process.
    this.child.on("error", (error) => {
      const started = this.child.pid !== undefined;
      this.settle(
        started
          ? { kind: "error", errorType: "Runtime.ExitError", errorMessage: `RequestId: ${this.requestId} Error: the runtime process failed: ${error.message}` }
          : { kind: "error", errorType: "Runtime.StartError", errorMessage: `could not start ${nodeBinary}: ${error.message}` },
        true,
      );
      // A process the runner cannot talk to serves no one: end it, so that its place in the pool is freed.
      if (started) void this.kill();
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

  /** Whether the process may serve an invocation: started, not exited, and not being ended. */
  get alive(): boolean {
    return !this.exited && !this.ending;
  }

  /** Whether the process's credentials expire within `ms` from now. */
  expiresWithin(ms: number): boolean {
    return this.credentialsExpiration !== undefined && this.credentialsExpiration.getTime() - Date.now() < ms;
  }

  /** Sends one invocation and waits for its answer and the end of its output, or for the timeout. */
  invoke(event: unknown, requestId: string, code: RunnableCode, onLog: LogSink | undefined): Promise<InvokeResult> {
    this.unpark();
    this.requestId = requestId;
    this.onLog = onLog;
    // As Lambda's runtime starts an execution environment's log; here with the first request's id, as the lines the
    // handler writes while it loads.
    if (this.initStart !== undefined) this.systemLog(this.initStart, "INFO");
    this.initStart = undefined;
    const timeoutMs = code.timeout * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        this.systemLog(`Task timed out after ${code.timeout.toFixed(2)} seconds`, "ERROR");
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
      if (!this.alive) return this.settle({ kind: "error", errorType: "Runtime.ExitError", errorMessage: "the runtime process has exited" }, true);
      // A send that fails (the process died meanwhile) comes back as the child's "error" event, which ends it.
      const message: InvocationMessage = {
        event,
        requestId,
        functionName: code.functionName,
        deadline: Date.now() + timeoutMs,
        invokedFunctionArn: `arn:aws:lambda:${code.region ?? "us-east-1"}:000000000000:function:${code.functionName}`,
        memoryLimitInMB: String(code.memorySize ?? 128),
      };
      this.child.send(message, (error) => error && this.child.emit("error", error));
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

  /**
   * Ends the process and every process it started (SIGKILL: a handler gets no say), as Lambda ends a sandbox, and
   * resolves once they are gone.
   */
  kill(): Promise<void> {
    // Once is enough: a timeout and the runner's retirement both end the same process.
    if (this.exited || this.ending) return this.ended;
    this.ending = true;
    // A parked process is unreferenced: without this, the parent could exit while waiting for it to end.
    this.unpark();
    // With the worker still alive, so that its descendants are still known by their parent.
    killSandbox(this.sandboxId, this.child.pid);
    this.child.kill("SIGKILL");
    return this.ended;
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

  /** Passes on each line of `stream`, each cut to a log event's size (bounded-lines.ts), and counts the end markers. */
  private lines(stream: Readable, name: "stdout" | "stderr"): void {
    const splitter = new BoundedLineSplitter(({ text, cutBytes, endsWithSuffix }) => {
      // The handler's last line may lack its newline: the marker then follows it on the same line.
      if (!endsWithSuffix || text !== "" || cutBytes > 0) this.log(name, cutBytes > 0 ? `${text}${truncation(cutBytes)}` : text);
      if (!endsWithSuffix) return;
      if (this.pending) this.pending.ends += 1;
      this.settleIfDone();
    }, END_OF_OUTPUT);
    stream.on("data", (chunk: Buffer) => splitter.push(chunk));
    stream.on("end", () => splitter.end());
  }

  /** A line of the runtime's own; see {@link platformLine}. */
  private systemLog(text: string, level: SystemLogLevel): void {
    const line = platformLine(this.logging, this.requestId, text, level);
    if (line !== undefined) this.onLog?.(line, { requestId: this.requestId, stream: "stdout" });
  }

  private log(stream: "stdout" | "stderr", text: string): void {
    this.onLog?.(this.jsonLogs ? text : textLine(this.requestId, text), { requestId: this.requestId, stream });
  }
}
