// @ts-check
/**
 * The guard of a helper process the tools start (moto, the AWS provider the dev loop keeps running): its parent,
 * started by guarded-process.ts with an IPC channel to the tool, in a session of its own. It makes an orphaned helper
 * impossible: when the tool goes away, however it ends (even `kill -9`), the channel closes and the guard stops the
 * helper and removes the helper's directory. Linux's PR_SET_PDEATHSIG would do the same, but Node cannot set it, and
 * the helpers are programs we do not control (Python, Go); a closed channel is the portable sign.
 *
 * Plain JavaScript, run by the tool's own Node without a compile step: it must start in milliseconds.
 *
 * Usage: node process-guard.cjs <directory> <command> [args...]
 * Messages to the tool: `{ pid }` once the helper runs; `{ exit: { code, signal } }` when it has exited;
 * `{ spawnError }` when it could not be started.
 */
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const { constants } = require("node:os");

/** How long the helper gets after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 3_000;

const [directory, command, ...args] = process.argv.slice(2);
// stdout and stderr are the guard's own: the tool's pipes, so the helper's output reaches the tool directly.
const helper = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });

/** Sends a message to the tool if it is still there, then calls `done`. */
function tell(message, done) {
  if (process.connected) process.send(message, () => done());
  else done();
}

let stopping = false;
/** SIGTERM, then SIGKILL if the helper is still there after the grace period. */
function stopHelper() {
  if (stopping || helper.exitCode !== null || helper.signalCode !== null) return;
  stopping = true;
  helper.kill("SIGTERM");
  // A helper stopped by SIGSTOP (a hang, in a test) would act on SIGTERM only once continued.
  helper.kill("SIGCONT");
  setTimeout(() => helper.kill("SIGKILL"), KILL_AFTER_MS).unref();
}

// The tool is gone, or asks for a stop by closing the channel or with a signal.
process.on("disconnect", stopHelper);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stopHelper);

helper.once("spawn", () => tell({ pid: helper.pid }, () => {}));
helper.once("error", (error) => tell({ spawnError: error.message }, () => process.exit(127)));
helper.once("exit", (code, signal) => {
  rmSync(directory, { recursive: true, force: true });
  const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
  tell({ exit: { code, signal } }, () => process.exit(status));
});
