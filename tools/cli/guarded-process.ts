import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

/**
 * A helper process (moto, the AWS provider the dev loop keeps running) started under its guard (process-guard.cjs),
 * in a session of its own: Ctrl-C in a terminal reaches the tool only, which stops the helper in its turn, and when
 * the tool ends in any way, even `kill -9`, the guard stops the helper and removes its directory.
 */

/** The guard helpers run under. */
const GUARD = join(__dirname, "process-guard.cjs");

/** How long the guard gives the helper after SIGTERM before SIGKILL (its own grace period). */
const GUARD_KILL_AFTER_MS = 3_000;

/** How a helper's exit reads in a message: `code 1`, `killed by SIGKILL`. */
export type ExitStatus = string;

/** A message of process-guard.cjs. */
type GuardMessage = { pid: number } | { spawnError: string } | { exit: { code: number | null; signal: NodeJS.Signals | null } };

/** A helper under its guard: what the guard tells about it (its pid, its exit, why it could not start), and its stop. */
export class GuardedProcess {
  /** The helper's pid, once the guard has started it. */
  pid: number | undefined;
  spawnError: string | undefined;
  /** The helper's exit status, once it (or the guard itself) has exited. */
  status: ExitStatus | undefined;
  /** Resolves with the helper's exit status once it has exited and the guard has said so, or the guard has exited. */
  readonly exited: Promise<ExitStatus>;
  /** The guard process; its stdout and stderr carry the helper's. */
  readonly guard: ChildProcess;
  private readonly guardExited: Promise<void>;

  /**
   * Starts `command` (in `cwd`, with `env`) under a guard that removes `directory` once the helper has exited. The
   * helper's output comes through the guard's stdout and stderr pipes, or goes to the open file `output` when given.
   */
  constructor(
    directory: string,
    command: string,
    args: readonly string[],
    options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly output?: number } = {},
  ) {
    const { output, ...spawnOptions } = options;
    const stdio = output === undefined ? (["ignore", "pipe", "pipe", "ipc"] as const) : (["ignore", output, output, "ipc"] as const);
    this.guard = spawn(process.execPath, [GUARD, directory, command, ...args], { stdio: [...stdio], detached: true, ...spawnOptions });
    let settle: (status: ExitStatus) => void;
    this.exited = new Promise((resolve) => (settle = resolve));
    this.guard.on("message", (message: GuardMessage) => {
      if ("pid" in message) this.pid = message.pid;
      if ("spawnError" in message) this.spawnError = message.spawnError;
      if ("exit" in message) settle((this.status ??= describeExit(message.exit.code, message.exit.signal)));
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
    }, GUARD_KILL_AFTER_MS + 1_000);
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
