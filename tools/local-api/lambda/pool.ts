import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { NODEJS_RUNTIME } from "../../../constructs/runtime";
import { ownCacheDir, unpackedCode } from "./code-cache";
import { compileBootstrap } from "./compile-bootstrap";
import type { InvokeOptions, InvokeResult, RunnableCode, SessionCredentials } from "./invocation";
import { lambdaNodeBinary, localRuntimeVersion, projectNodeModules } from "./node";
import { platformLine, Worker, workerKey } from "./worker";

/**
 * Runs a Lambda function's deployed code as the Node.js runtime would: the zip unpacked into a directory
 * (code-cache.ts), the handler loaded from it in a separate process (worker.ts) of its runtime's Node (node.ts)
 * running bootstrap.ts (compiled by compile-bootstrap.ts), with the environment Lambda would give it (environment.ts),
 * one invocation at a time, within the function's timeout, each log line tagged with the request id. This file is the
 * bounded pool of those processes, per function.
 */

/** Options of a {@link LambdaRunner}, and of {@link invoke}. */
export interface RunnerOptions {
  /**
   * The Node binary every handler runs on, whatever its runtime. @default each function's runtime's own,
   * {@link lambdaNodeBinary}(runtime)
   */
  readonly nodeBinary?: string;
  /**
   * Where zips are unpacked, one directory per content hash; the caller's to keep or remove. @default a folder of this
   * runner's own, `<os tmpdir>/api-auth-cognito-lambda/run-<pid>.<pid namespace>-<random>`, removed by `stop()` (and,
   * after a `kill -9`, by the next runner made in that temp folder)
   */
  readonly cacheDir?: string;
  /**
   * The temp folder a runner of its own cache folder keeps it in, and sweeps of the folders killed runners left.
   * @default the OS temp folder
   */
  readonly tempDir?: string;
  /**
   * The node_modules handlers' `@aws-sdk/*` packages are resolved from, as Lambda resolves them from its runtime's.
   * @default the project's node_modules
   */
  readonly sdkModules?: string;
  /**
   * Credentials of the function's role for a new process (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
   * `AWS_SESSION_TOKEN`); a warm process whose credentials expire within 5 minutes is not reused.
   * @default none: an SDK client in the handler finds no credentials
   */
  readonly credentials?: (code: RunnableCode) => Promise<SessionCredentials>;
  /** The endpoint every AWS SDK client of a handler uses (`AWS_ENDPOINT_URL`), e.g. the local cloud's. @default AWS's own */
  readonly endpointUrl?: string;
  /**
   * Most processes of one function, however far along (starting, busy, idle or being ended). Invocations beyond it
   * wait for one, first come first served, and their timeout starts when they run: Lambda would have run them at once
   * in a new sandbox, which a laptop running every function of every stage cannot. A function's reserved concurrency
   * is Lambda's own bound and is applied as Lambda applies it: invocations beyond it are throttled, not queued.
   * @default 10
   */
  readonly maxProcessesPerFunction?: number;
  /**
   * How long an idle process is kept, in ms. Lambda keeps one for minutes (5 to 15, unpublished); a laptop running
   * every function of every stage is not Lambda, so idle processes go sooner. @default 60000
   */
  readonly idleTimeoutMs?: number;
}

/** The Node a runtime's handlers run on, and what its INIT_START line says of it. */
interface RuntimeNode {
  readonly binary: string;
  readonly runtimeVersion: string;
}

/** A warm process whose credentials expire sooner than this is retired rather than reused. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

/** Runs `code` once in a process of its own, which ends with the invocation. */
export async function invoke(code: RunnableCode, event: unknown, options: InvokeOptions & RunnerOptions = {}): Promise<InvokeResult> {
  const runner = new LambdaRunner(options);
  try {
    return await runner.invoke(code, event, options);
  } finally {
    await runner.stop();
  }
}

/** The processes of one function. */
interface FunctionPool {
  /** Every process from its start until it has exited: the pool's bound counts these (and those `starting`). */
  readonly members: Set<Worker>;
  readonly idle: Worker[];
  readonly busy: Set<Worker>;
  /** Processes about to be started (their credentials are being fetched). */
  starting: number;
  /** Invocations admitted and not yet answered, waiting ones included: Lambda's concurrency of the function. */
  running: number;
  /** Invocations waiting for a process, first come first served. */
  readonly waiting: Array<() => void>;
  /** The code and configuration invoked last: processes of any other are not kept. */
  latestKey?: string;
}

/**
 * Runs functions in warm processes: each process serves one invocation at a time and is reused for the next
 * invocation of the same code and configuration. A process that timed out or crashed is discarded; so are idle
 * processes of a function's older code once newer code is invoked, and processes idle for longer than the idle
 * timeout. Each function has at most a bounded number of processes; invocations beyond it wait for one.
 */
export class LambdaRunner {
  /** The Node of each runtime invoked so far; one with none is looked for again at its next invocation. */
  private readonly nodes = new Map<string, RuntimeNode>();
  private readonly cacheDir: string;
  /** Whether the cache directory is this runner's own, to remove at stop. */
  private readonly ownCacheDir: boolean;
  private readonly sdkModules: string;
  private readonly maxProcesses: number;
  private readonly idleTimeoutMs: number;
  private readonly pools = new Map<string, FunctionPool>();
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private stopped = false;
  private bootstrapFile: string | undefined;

  constructor(private readonly options: RunnerOptions = {}) {
    this.ownCacheDir = options.cacheDir === undefined;
    this.cacheDir = options.cacheDir ?? ownCacheDir(options.tempDir ?? tmpdir());
    this.sdkModules = options.sdkModules ?? projectNodeModules();
    this.maxProcesses = positiveInteger("maxProcessesPerFunction", options.maxProcessesPerFunction ?? 10);
    this.idleTimeoutMs = positiveInteger("idleTimeoutMs", options.idleTimeoutMs ?? 60_000);
  }

  /**
   * Invokes the handler of `code` with `event`, on the Node of its runtime. Never rejects for what the handler does;
   * only for a stopped runner or credentials that could not be had. A runtime with no Node here is an
   * `InvalidRuntimeException` result, as Lambda's Invoke answers for a runtime it cannot run, and a line in the log.
   */
  async invoke(code: RunnableCode, event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (this.stopped) throw new Error("the Lambda runner has been stopped");
    const started = performance.now();
    const requestId = options.requestId ?? randomUUID();
    let node: RuntimeNode;
    try {
      node = this.nodeOf(code.runtime ?? NODEJS_RUNTIME);
    } catch (error) {
      const errorMessage = (error as Error).message;
      const line = platformLine(code, requestId, errorMessage, "ERROR");
      if (line !== undefined) options.onLog?.(line, { requestId, stream: "stdout" });
      return { kind: "error", errorType: "InvalidRuntimeException", errorMessage, durationMs: 0 };
    }
    const pool = this.poolOf(code.functionName);
    // Lambda throttles an invocation that would take the function past its reserved concurrency (429
    // TooManyRequestsException, "Rate Exceeded."); it does not queue it. API Gateway then answers 500 (payload-v2.ts).
    if (code.reservedConcurrency !== undefined && pool.running >= code.reservedConcurrency) {
      const reason = `Rate Exceeded. ${code.functionName} is at its reserved concurrency of ${code.reservedConcurrency}`;
      return { kind: "error", errorType: "TooManyRequestsException", errorMessage: reason, durationMs: 0 };
    }
    pool.running += 1;
    try {
      const key = workerKey(code);
      const { worker, coldStart } = await this.acquire(pool, code, key, node);
      let result: InvokeResult;
      try {
        result = await worker.invoke(event, requestId, code, options.onLog);
      } finally {
        this.release(pool, worker);
      }
      return { ...result, durationMs: Math.round((performance.now() - started) * 10) / 10, coldStart };
    } finally {
      pool.running -= 1;
    }
  }

  /** Processes (busy, idle, starting or ending) of one function, or of all; for tests and diagnostics. */
  processCount(functionName?: string): number {
    const pools = functionName === undefined ? [...this.pools.values()] : [this.pools.get(functionName)].filter((pool) => pool !== undefined);
    return pools.reduce((sum, pool) => sum + countOf(pool), 0);
  }

  /** Ends every process, idle or busy (a busy invocation then ends as a crash). Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    const workers = [...this.pools.values()].flatMap((pool) => {
      // Waiting invocations wake, see the runner stopped and reject.
      for (const wake of pool.waiting.splice(0)) wake();
      pool.idle.splice(0);
      // Those being ended too: stop() resolves once every process (and what each started) is gone.
      return [...pool.members];
    });
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all(workers.map((worker) => worker.kill()));
    if (this.ownCacheDir) rmSync(this.cacheDir, { recursive: true, force: true });
  }

  /** The Node of `runtime`: the `nodeBinary` option, else the runtime's own, looked up once found. Throws one line when there is none. */
  private nodeOf(runtime: string): RuntimeNode {
    let node = this.nodes.get(runtime);
    if (!node) {
      const binary = this.options.nodeBinary ?? lambdaNodeBinary(runtime);
      this.nodes.set(runtime, (node = { binary, runtimeVersion: localRuntimeVersion(runtime, binary) }));
    }
    return node;
  }

  private poolOf(functionName: string): FunctionPool {
    let pool = this.pools.get(functionName);
    if (!pool) this.pools.set(functionName, (pool = { members: new Set(), idle: [], busy: new Set(), starting: 0, running: 0, waiting: [] }));
    return pool;
  }

  /** A process for one invocation of `code`: a warm one, a new one while the pool has room, else the next one free. */
  private async acquire(pool: FunctionPool, code: RunnableCode, key: string, node: RuntimeNode): Promise<{ worker: Worker; coldStart: boolean }> {
    pool.latestKey = key;
    // Those already waiting go first.
    if (pool.waiting.length > 0) await new Promise<void>((resolve) => pool.waiting.push(resolve));
    const limit = Math.min(this.maxProcesses, code.reservedConcurrency ?? Infinity);
    for (;;) {
      if (this.stopped) throw new Error("the Lambda runner has been stopped");
      // Older code or configuration of this function will not run again; nor should credentials about to expire.
      for (const worker of pool.idle.filter((worker) => worker.key !== key || !worker.alive || worker.expiresWithin(CREDENTIALS_MARGIN_MS))) this.retire(pool, worker);
      const warm = pool.idle.pop();
      if (warm) {
        this.clearIdleTimer(warm);
        pool.busy.add(warm);
        return { worker: warm, coldStart: false };
      }
      if (countOf(pool) < limit) return { worker: await this.start(pool, code, key, node), coldStart: true };
      // Full: wait at the head of the queue for a process to be released or to end.
      await new Promise<void>((resolve) => pool.waiting.unshift(resolve));
    }
  }

  /** Starts a process of `code` on `node`, counted in the pool from the first moment. */
  private async start(pool: FunctionPool, code: RunnableCode, key: string, node: RuntimeNode): Promise<Worker> {
    pool.starting += 1;
    let worker: Worker;
    try {
      let credentials: SessionCredentials | undefined;
      try {
        credentials = await this.options.credentials?.(code);
      } catch (error) {
        throw new Error(`could not get credentials for ${code.functionName} (role ${code.role ?? "none"}): ${(error as Error).message}`);
      }
      if (this.stopped) throw new Error("the Lambda runner has been stopped");
      worker = new Worker(key, code, {
        nodeBinary: node.binary,
        runtimeVersion: node.runtimeVersion,
        taskRoot: unpackedCode(this.cacheDir, code),
        // Compiled once per runner, into its cache directory.
        bootstrap: (this.bootstrapFile ??= compileBootstrap(this.cacheDir)),
        sdkModules: this.sdkModules,
        credentials,
        endpointUrl: this.options.endpointUrl,
      });
    } catch (error) {
      pool.starting -= 1;
      // The room this start held goes to the next invocation.
      this.wake(pool);
      throw error;
    }
    pool.starting -= 1;
    pool.members.add(worker);
    pool.busy.add(worker);
    // Its room is free only once it and what it started have gone, however it ended (idle with a stray timer's
    // uncaught error, timed out, retired): counting a process being killed keeps the bound exact.
    void worker.ended.then(() => {
      pool.members.delete(worker);
      const index = pool.idle.indexOf(worker);
      if (index >= 0) {
        this.clearIdleTimer(worker);
        pool.idle.splice(index, 1);
      }
      this.wake(pool);
    });
    return worker;
  }

  /** Keeps a process that served an invocation for the next one, or ends it; either way, the next waiter may go. */
  private release(pool: FunctionPool, worker: Worker): void {
    pool.busy.delete(worker);
    if (worker.alive && !this.stopped && worker.key === pool.latestKey) {
      worker.park();
      pool.idle.push(worker);
      this.idleTimers.set(worker, setTimeout(() => this.retire(pool, worker), this.idleTimeoutMs).unref());
      this.wake(pool);
    } else this.retire(pool, worker);
  }

  /** Ends a process that is not busy; it still counts in its pool until it has exited (see {@link start}). */
  private retire(pool: FunctionPool, worker: Worker): void {
    this.clearIdleTimer(worker);
    const index = pool.idle.indexOf(worker);
    if (index >= 0) pool.idle.splice(index, 1);
    void worker.kill();
  }

  private clearIdleTimer(worker: Worker): void {
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
  }

  /** Lets the first waiting invocation try again. */
  private wake(pool: FunctionPool): void {
    pool.waiting.shift()?.();
  }
}

/** Processes of a pool, however far along. */
function countOf(pool: FunctionPool): number {
  return pool.members.size + pool.starting;
}

/** `value` when it is a whole number above 0; else a clear error naming the option. */
function positiveInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`invalid ${option} ${value}: expected a whole number of at least 1`);
  return value;
}
