// @ts-check
/**
 * moto's guard: the parent of `moto_server`, started by moto.ts with an IPC channel to the tool, in a session of its
 * own. It makes an orphaned moto impossible: when the tool goes away, however it ends (even `kill -9`), the channel
 * closes and the guard stops moto and removes its socket directory. Linux's PR_SET_PDEATHSIG would do the same, but
 * Node cannot set it, and moto_server is a Python program we do not control; a closed channel is the portable sign.
 *
 * Plain JavaScript, run by the tool's own Node without a compile step: it must start in milliseconds.
 *
 * Usage: node moto-guard.cjs <socket directory> <command> [args...]
 * Messages to the tool: `{ motoPid }` once moto runs; `{ exit: { code, signal } }` when it has exited;
 * `{ spawnError }` when it could not be started.
 */
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const { constants } = require("node:os");

/** How long moto gets after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 3_000;

const [directory, command, ...args] = process.argv.slice(2);
// stdout and stderr are the guard's own: the tool's pipes, so moto's output reaches the tool directly.
const moto = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });

/** Sends a message to the tool if it is still there, then calls `done`. */
function tell(message, done) {
  if (process.connected) process.send(message, () => done());
  else done();
}

let stopping = false;
/** SIGTERM, then SIGKILL if moto is still there after the grace period. */
function stopMoto() {
  if (stopping || moto.exitCode !== null || moto.signalCode !== null) return;
  stopping = true;
  moto.kill("SIGTERM");
  // A moto stopped by SIGSTOP (a hang, in a test) would act on SIGTERM only once continued.
  moto.kill("SIGCONT");
  setTimeout(() => moto.kill("SIGKILL"), KILL_AFTER_MS).unref();
}

// The tool is gone, or asks for a stop by closing the channel or with a signal.
process.on("disconnect", stopMoto);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stopMoto);

moto.once("spawn", () => tell({ motoPid: moto.pid }, () => {}));
moto.once("error", (error) => tell({ spawnError: error.message }, () => process.exit(127)));
moto.once("exit", (code, signal) => {
  rmSync(directory, { recursive: true, force: true });
  const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
  tell({ exit: { code, signal } }, () => process.exit(status));
});
