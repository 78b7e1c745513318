import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { buildSync } from "esbuild";
import { unzipSync } from "fflate";
import { BUNDLE_TARGET } from "../../constructs/runtime";
import type { FunctionCode } from "../local-cloud/lambda-code";
import { lambdaNodeBinary } from "./lambda-node";
import { Worker, workerKey } from "./lambda-worker";

/**
 * Runs a Lambda function's deployed code as the Node.js runtime would: the zip unpacked into a directory, the handler
 * loaded from it in a separate process (lambda-worker.ts) of the runtime's Node (lambda-node.ts) running
 * lambda-bootstrap.ts, with the function's environment, one invocation at a time, within the function's timeout,
 * each log line tagged with the request id. This file is the pool of those processes.
 */

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
  private bootstrapFile: string | undefined;

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

  /** The child's program, lambda-bootstrap.ts compiled once per runner into the cache directory. */
  private bootstrap(): string {
    if (this.bootstrapFile) return this.bootstrapFile;
    const compiled = buildSync({ entryPoints: [BOOTSTRAP_SOURCE], bundle: true, platform: "node", format: "cjs", target: BUNDLE_TARGET, write: false, logLevel: "silent" });
    const code = compiled.outputFiles[0].contents;
    const file = join(this.cacheDir, `bootstrap-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`);
    if (!existsSync(file)) {
      mkdirSync(this.cacheDir, { recursive: true });
      const scratch = `${file}.${process.pid}.tmp`;
      writeFileSync(scratch, code);
      renameSync(scratch, file);
    }
    return (this.bootstrapFile = file);
  }
}

/** The program each process runs. */
const BOOTSTRAP_SOURCE = join(__dirname, "lambda-bootstrap.ts");
