import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

/**
 * A helper process (moto, the AWS provider the dev loop keeps running, each Terraform command) started under its guard
 * (process-guard.cjs), in a session of its own: Ctrl-C in a terminal reaches the tool only, which stops or interrupts
 * the helper in its turn, and when the tool ends in any way, even `kill -9`, the guard stops the helper and removes its
 * directory. Whatever the helper leaves running in its process group when it exits ends with it.
 */

/** The guard helpers run under. */
const GUARD = join(__dirname, "process-guard.cjs");

/** How long the guard gives the helper after SIGTERM before SIGKILL, unless told otherwise (the guard's default). */
const DEFAULT_GRACE_MS = 3_000;

/** How a helper's exit reads in a message: `code 1`, `killed by SIGKILL`. */
export type ExitStatus = string;

/** A message of process-guard.cjs. */
type GuardMessage = { pid: number } | { spawnError: string } | { exit: { code: number | null; signal: NodeJS.Signals | null } };

/** How a helper exited: its code, or the signal that killed it. */
export interface HelperExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options of a {@link GuardedProcess}. */
export interface GuardedProcessOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** An open file the helper's output goes to, instead of the guard's stdout and stderr pipes. */
  readonly output?: number;
  /** How long the helper gets after SIGTERM before SIGKILL, when the tool stops it or is gone. @default 3000 */
  readonly graceMs?: number;
}

/** A helper under its guard: what the guard tells about it (its pid, its exit, why it could not start), and its stop. */
export class GuardedProcess {
  /** The helper's pid, once the guard has started it. */
  pid: number | undefined;
  spawnError: string | undefined;
  /** The helper's exit status, once it (or the guard itself) has exited. */
  status: ExitStatus | undefined;
  /** How the helper exited, once the guard has said so; stays `undefined` when the guard itself died first. */
  exit: HelperExit | undefined;
  /** Resolves with the helper's pid once the guard has started it, or `undefined` when it never started. */
  readonly started: Promise<number | undefined>;
  /** Resolves with the helper's exit status once it has exited and the guard has said so, or the guard has exited. */
  readonly exited: Promise<ExitStatus>;
  /** The guard process; its stdout and stderr carry the helper's. */
  readonly guard: ChildProcess;
  private readonly guardExited: Promise<void>;
  private readonly graceMs: number;
  private interrupted = false;

  /**
   * Starts `command` (in `cwd`, with `env`) under a guard that removes `directory` (if given) once the helper has
   * exited. The helper's output comes through the guard's stdout and stderr pipes, or goes to the open file `output`.
   */
  constructor(directory: string | undefined, command: string, args: readonly string[], options: GuardedProcessOptions = {}) {
    const { output, graceMs = DEFAULT_GRACE_MS, ...spawnOptions } = options;
    this.graceMs = graceMs;
    const stdio = output === undefined ? (["ignore", "pipe", "pipe", "ipc"] as const) : (["ignore", output, output, "ipc"] as const);
    this.guard = spawn(process.execPath, [GUARD, `--grace-ms=${graceMs}`, directory ?? "", command, ...args], { stdio: [...stdio], detached: true, ...spawnOptions });
    let settle: (status: ExitStatus) => void;
    let begin: (pid: number | undefined) => void;
    this.exited = new Promise((resolve) => (settle = resolve));
    this.started = new Promise((resolve) => (begin = resolve));
    void this.exited.then(() => begin(undefined));
    this.guard.on("message", (message: GuardMessage) => {
      if ("pid" in message) begin((this.pid = message.pid));
      if ("spawnError" in message) this.spawnError = message.spawnError;
      if ("exit" in message) {
        this.exit = message.exit;
        settle((this.status ??= describeExit(message.exit.code, message.exit.signal)));
      }
    });
    // Spawn errors of the guard itself (no Node?) arrive as 'error' events; without a listener they would crash us.
    this.guard.once("error", (error) => (this.spawnError = error.message));
    this.guardExited = new Promise((resolve) => {
      this.guard.once("exit", (code, signal) => {
        settle((this.status ??= `its guard ${describeExit(code, signal)}`));
        resolve();
      });
    });
  }

  /** Resolves once the guard has exited, and so the helper and everything left in its process group. */
  get ended(): Promise<void> {
    return this.guardExited;
  }

  /**
   * Has the guard send `signal` to the helper, once: the graceful stop of a program that handles Ctrl-C (Terraform
   * then finishes what it is doing, writes its state and releases its lock). The guard sends it no other signal after
   * that, even when this process goes away: it only kills it if it is still there after its grace period.
   */
  interrupt(signal: NodeJS.Signals = "SIGINT"): void {
    if (this.interrupted || this.status !== undefined || !this.guard.connected) return;
    this.interrupted = true;
    this.guard.send({ interrupt: signal }, () => undefined);
  }

  /**
   * Asks the guard to stop the helper by closing the channel (the same sign as our death), and resolves once the
   * guard has exited; SIGKILLs both if that takes longer than the guard's own grace period.
   */
  async stop(): Promise<void> {
    // A guard that never started (spawn error) has no pid and emits no 'exit'.
    if (this.guard.pid === undefined || this.guard.exitCode !== null || this.guard.signalCode !== null) return;
    if (this.guard.connected) this.guard.disconnect();
    else this.guard.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (this.pid !== undefined) killQuietly(this.pid);
      this.guard.kill("SIGKILL");
    }, this.graceMs + 1_000);
    await this.guardExited;
    clearTimeout(timer);
  }
}

/** `code 1` or `killed by SIGKILL`. */
function describeExit(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  return signal ? `killed by ${signal}` : `code ${code}`;
}

/** Sends SIGKILL to `pid`, if it is still there. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
