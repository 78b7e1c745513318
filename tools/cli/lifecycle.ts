import { readdirSync, readFileSync } from "node:fs";
import { note } from "./terminal";

/**
 * How a command ends when it is stopped (`npm run dev`, `local:up`, and the one-shot `local:deploy`, `local:destroy`,
 * `plan`): one path for Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed), the end of the npm process that ran it,
 * and a fault the command races against (moto died). Each first interrupts the work in flight (a Terraform command,
 * which then stops gracefully and releases its state lock) and waits for it, saying so; then runs the registered stops
 * once, last registered first, all within a deadline, and exits with the shell's code for the signal (130, 143, 129).
 * A second signal exits at once, saying what it leaves running and what to run about it.
 *
 * Why the npm watch: npm 11 answers SIGTERM by ending its `sh -c` child, which does not pass the signal on, so tsx
 * and this process never hear of it and would run on as orphans. Every ancestor in this process's process group
 * (npm, sh, tsx) is watched; when one is gone, this process stops as if it had been sent SIGHUP.
 */

/** The signals that stop a command. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** The exit code of a command stopped by each signal, as a shell reports a process killed by it (128 + number). */
export const STOP_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** How often the ancestors are looked at. */
const ANCESTOR_CHECK_MS = 1_000;

/**
 * A signal this soon after the first is that same stop delivered twice, not a second Ctrl-C: a terminal's Ctrl-C
 * reaches tsx and this process, and tsx relays it again unless this process tells tsx within 30 ms that it had it.
 */
export const SAME_STOP_WITHIN_MS = 500;

/** Options of {@link handleShutdown}. */
export interface ShutdownOptions {
  /** Most time all stops together may take; then the process exits anyway, naming the stop it waited for. @default 15000 */
  readonly deadlineMs?: number;
}

/**
 * Work in flight that a stop must interrupt, and wait for, before anything else stops: a Terraform command, which may
 * hold a state lock (the cloud it talks to must still answer while it stops).
 */
export interface InFlight {
  /** Asks it to stop gracefully; called once. */
  interrupt(): void;
  /** Resolves once it has stopped. */
  readonly ended: Promise<unknown>;
  /** The line said while waiting for it: `waiting for terraform apply (pid 12) to release the state lock…`. */
  readonly waiting: string;
  /** The line said when it is left running (a second signal, the deadline): what is left, and what to run about it. */
  readonly abandoned: string;
}

/** The work in flight of this process, whatever started it. */
const inFlight = new Set<InFlight>();

/** Whether a stop has begun in this process. */
let stopBegun = false;

/** Registers `work` until it ends: a stop interrupts it first and waits for it (see {@link InFlight}). */
export function trackInFlight(work: InFlight): void {
  inFlight.add(work);
  void work.ended.finally(() => inFlight.delete(work));
}

/** Whether this process is stopping (a stop signal came): work that has not started yet should not start. */
export function stopping(): boolean {
  return stopBegun;
}

/** Why a command stops. */
type Cause =
  | { readonly kind: "signal"; readonly signal: StopSignal }
  | { readonly kind: "orphaned"; readonly pid: number }
  | { readonly kind: "fault"; readonly message: string };

/** The stops of a running command, and what ends it. Made by {@link handleShutdown}. */
export class Shutdown {
  private readonly stops: Array<{ readonly name: string; readonly stop: () => Promise<void> | void }> = [];
  private readonly deadlineMs: number;
  private readonly watch: NodeJS.Timeout | undefined;
  private cause: Cause | undefined;
  private causeAt = 0;
  private deadline = 0;
  private waited = false;
  private finished: ((code: number) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;

  constructor(options: ShutdownOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? 15_000;
    for (const signal of Object.keys(STOP_EXIT_CODES) as StopSignal[]) process.on(signal, () => this.begin({ kind: "signal", signal }));
    // After SIGHUP the terminal is gone: a write to it fails with EIO, which must not crash the stops.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    const ancestors = groupAncestors();
    if (ancestors.length > 0) {
      this.watch = setInterval(() => {
        const gone = ancestors.find((pid) => !isAlive(pid));
        if (gone !== undefined) this.begin({ kind: "orphaned", pid: gone });
      }, ANCESTOR_CHECK_MS).unref();
    }
  }

  /** Registers a stop; stops run last registered first (what was started last stops first), each once. */
  onShutdown(name: string, stop: () => Promise<void> | void): void {
    this.stops.push({ name, stop });
  }

  /**
   * Waits until a stop signal arrives, the npm process that ran the command ends, or one of `faults` resolves; runs
   * the stops, then resolves with the exit code (130, 143, 129), or rejects with the fault's line (exit 1 through
   * runCommand). A signal before this call also runs the stops, then exits the process at once.
   */
  until(faults: readonly Promise<string>[] = []): Promise<number> {
    this.waited = true;
    for (const fault of faults) void fault.then((message) => this.begin({ kind: "fault", message }));
    return new Promise((resolve, reject) => {
      this.finished = resolve;
      this.failed = reject;
    });
  }

  /**
   * Runs a one-shot command's `work` under these stops: resolves with its exit code, or, when a stop came first, with
   * the stop's code once the work in flight has ended, the work itself has wound down (within the deadline: what an
   * interrupted Terraform left, such as its lock, is cleaned up) and the stops have run. The work's failure after a
   * stop began is the stop's doing (an interrupted Terraform fails), and is not reported.
   */
  async run(work: () => Promise<number>): Promise<number> {
    const stopped = this.until();
    const outcome = work().then(
      (code) => ({ code }),
      (error: unknown) => ({ error }),
    );
    const first = await Promise.race([outcome, stopped.then(() => undefined)]);
    if (!this.cause && first) {
      if ("error" in first) throw first.error;
      return first.code;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outcome, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, this.deadline - Date.now()))))]);
    clearTimeout(timer);
    return stopped;
  }

  private begin(cause: Cause): void {
    if (this.cause) {
      // A second Ctrl-C: the user does not want to wait. The guards still stop moto when this process is gone, and
      // let an interrupted Terraform finish stopping (within their grace period).
      if (cause.kind === "signal" && Date.now() - this.causeAt >= SAME_STOP_WITHIN_MS) {
        note(`${cause.signal} again: exiting without waiting for the stops`);
        for (const work of inFlight) note(work.abandoned);
        process.exit(exitCodeOf(this.cause));
      }
      return;
    }
    this.cause = cause;
    this.causeAt = Date.now();
    stopBegun = true;
    clearInterval(this.watch);
    if (cause.kind === "signal") note(`${cause.signal}: stopping`);
    if (cause.kind === "orphaned") note(`the process that ran this command (pid ${cause.pid}) has ended: stopping`);
    const deadline = (this.deadline = Date.now() + this.deadlineMs);
    void this.interruptInFlight(deadline)
      .then(() => endChildren(deadline))
      .then(() => this.runStops(deadline))
      .then(() => {
        const code = exitCodeOf(cause);
        if (!this.waited) process.exit(code);
        if (cause.kind === "fault") this.failed!(new Error(cause.message));
        else this.finished!(code);
      });
  }

  /** Interrupts the work in flight, saying so, and waits for it until the deadline; says what it leaves then. */
  private async interruptInFlight(deadline: number): Promise<void> {
    const works = [...inFlight];
    for (const work of works) {
      note(work.waiting);
      work.interrupt();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeLeft = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
    await Promise.race([Promise.all(works.map((work) => work.ended)), timeLeft]);
    clearTimeout(timer);
    for (const work of inFlight) note(`${work.abandoned} (it took longer than ${this.deadlineMs / 1000} s)`);
  }

  /** Runs every stop, last registered first, until the deadline; a stop that fails or hangs is named and passed. */
  private async runStops(deadline: number): Promise<void> {
    for (const { name, stop } of this.stops.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeLeft = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()))));
      const outcome = await Promise.race([Promise.resolve().then(stop), timeLeft]).catch((error: Error) => error);
      clearTimeout(timer);
      if (outcome === "late") {
        note(`stopping ${name} took longer than ${this.deadlineMs / 1000} s: exiting without it`);
        return;
      }
      if (outcome instanceof Error) note(`stopping ${name} failed: ${outcome.message}`);
    }
  }
}

/** Starts handling the stop signals and the npm watch for a long-running command: call it before starting anything. */
export function handleShutdown(options: ShutdownOptions = {}): Shutdown {
  return new Shutdown(options);
}

/**
 * Ends the child processes in this process's group (those Ctrl-C in a terminal reaches) before the stops, while the
 * local cloud still answers. SIGTERM, then SIGKILL to those left at the deadline. Children in a session of their own
 * (the guards of moto and of Terraform) are left to their owner's stop, or to the interrupt of the work in flight.
 * Where there is no `/proc`, nothing.
 */
async function endChildren(deadline: number): Promise<void> {
  let names: string[];
  try {
    names = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  const group = statOf(process.pid)?.group;
  const children = names.map(Number).filter((pid) => {
    const stat = statOf(pid);
    return stat?.parent === process.pid && stat.group === group;
  });
  for (const pid of children) signal(pid, "SIGTERM");
  while (children.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of children.filter(isAlive)) signal(pid, "SIGKILL");
}

/** Sends `name` to `pid`, if it is still there. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ended meanwhile
  }
}

function exitCodeOf(cause: Cause): number {
  if (cause.kind === "signal") return STOP_EXIT_CODES[cause.signal];
  return cause.kind === "orphaned" ? STOP_EXIT_CODES.SIGHUP : 1;
}

/**
 * This process's ancestors in its own process group, nearest first: npm, sh and tsx under `npm run` in a terminal.
 * Ancestors outside the group (the user's shell, under `nohup ... &`) are not watched. Empty where there is no `/proc`.
 */
export function groupAncestors(): number[] {
  const group = statOf(process.pid)?.group;
  const ancestors: number[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    const stat = statOf(pid);
    if (!stat || stat.group !== group) break;
    ancestors.push(pid);
    pid = stat.parent;
  }
  return ancestors;
}

/** The parent and process group of `pid`, from `/proc/<pid>/stat`; `undefined` if it is gone or there is no `/proc`. */
function statOf(pid: number): { parent: number; group: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name, in parentheses, may hold spaces: fields are counted from its closing parenthesis.
    const [, parent, group] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { parent: Number(parent), group: Number(group) };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (and is not a zombie we could still signal). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie answers signal 0; its state in /proc says it has ended.
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
