// @ts-check
/**
 * The guard of a helper process the tools start (moto, the AWS provider the dev loop keeps running, every Terraform
 * command): its parent, started by guarded-process.ts with an IPC channel to the tool, in a session of its own. It
 * makes an orphaned helper impossible: when the tool goes away, however it ends (even `kill -9`), the channel closes
 * and the guard stops the helper and removes the helper's directory. Linux's PR_SET_PDEATHSIG would do the same, but
 * Node cannot set it, and the helpers are programs we do not control (Python, Go); a closed channel is the portable
 * sign.
 *
 * The helper runs in a process group of its own, which the guard ends once the helper has exited: what the helper
 * started and left behind (Terraform's provider plugins, when Terraform is killed) never outlives it.
 *
 * Plain JavaScript, run by the tool's own Node without a compile step: it must start in milliseconds.
 *
 * Usage: node process-guard.cjs [--grace-ms=N] <directory> <command> [args...]
 * `<directory>` is removed once the helper has exited ("" for none). `--grace-ms`: how long the helper gets after
 * SIGTERM before SIGKILL (default 3000): a Terraform that was interrupted needs time to write its state and release
 * its lock.
 * Messages to the tool: `{ pid }` once the helper runs; `{ exit: { code, signal } }` when it has exited;
 * `{ spawnError }` when it could not be started. From the tool: `{ interrupt: "SIGINT" }` passes that signal on to the
 * helper, once; a helper interrupted so (a Terraform stopping gracefully) is not signalled again when the tool goes
 * away, only killed if it is still there after the grace period: a second signal would make Terraform exit at once,
 * leaving its state lock.
 */
const { spawn } = require("node:child_process");
const { rmSync } = require("node:fs");
const { constants } = require("node:os");

const argv = process.argv.slice(2);
const grace = /^--grace-ms=(\d+)$/.exec(argv[0] ?? "");
if (grace) argv.shift();
/** How long the helper gets after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = grace ? Number(grace[1]) : 3_000;

/** How long the helper's output may stay open after it exited (a descendant outside its group holding it). */
const DRAIN_MS = 2_000;

const [directory, command, ...args] = argv;
// detached: a process group (and session) of its own, so that its leftovers can be ended with it.
const helper = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
// The helper's output is passed on to the guard's own stdout and stderr (the tool's pipes, or its file) through pipes
// of the guard's: when the tool is gone, the guard drops what the helper still prints, where a helper writing to the
// tool's closed pipe would die of SIGPIPE (a Terraform stopping gracefully, before it released its lock).
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
helper.stdout.on("data", (chunk) => process.stdout.write(chunk));
helper.stderr.on("data", (chunk) => process.stderr.write(chunk));

/** Sends a message to the tool if it is still there, then calls `done`. */
function tell(message, done) {
  if (process.connected) process.send(message, () => done());
  else done();
}

/** Sends `signal` to every process still in the helper's group. */
function signalGroup(signal) {
  try {
    if (helper.pid !== undefined) process.kill(-helper.pid, signal);
  } catch {
    // the group is empty
  }
}

/** Whether the helper is on its way out: signalled once, with SIGKILL armed for the end of the grace period. */
let stopping = false;
/**
 * `signal` (SIGTERM unless the tool asks for another), then SIGKILL if the helper is still there after the grace
 * period. A stop also wakes a helper stopped by SIGSTOP (a hang, in a test), which would act on the signal only once
 * continued; an interrupt (`wake` false) is only the signal, as Ctrl-C in a terminal would send it.
 */
function stopHelper(signal = "SIGTERM", wake = true) {
  if (stopping || helper.exitCode !== null || helper.signalCode !== null) return;
  stopping = true;
  helper.kill(signal);
  if (wake) helper.kill("SIGCONT");
  setTimeout(() => helper.kill("SIGKILL"), KILL_AFTER_MS).unref();
}

// The tool is gone, or asks for a stop by closing the channel or with a signal, or for an interrupt with a message.
process.on("disconnect", () => stopHelper());
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stopHelper());
process.on("message", (message) => {
  if (message && typeof message.interrupt === "string") stopHelper(message.interrupt, false);
});

helper.once("spawn", () => tell({ pid: helper.pid }, () => {}));
helper.once("error", (error) => tell({ spawnError: error.message }, () => process.exit(127)));
helper.once("exit", (code, signal) => {
  // Whatever the helper started and left (a provider plugin of a killed Terraform) ends with it.
  signalGroup("SIGKILL");
  // Its last output first (its pipes close once nothing holds them), then its exit.
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    if (directory) rmSync(directory, { recursive: true, force: true });
    const status = code ?? 128 + (signal ? constants.signals[signal] : 0);
    tell({ exit: { code, signal } }, () => process.exit(status));
  };
  helper.once("close", finish);
  setTimeout(finish, DRAIN_MS).unref();
});
