import { ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isAlive } from "../../tools/cli/lifecycle";
import { isolatedEnv } from "./test-run";

/**
 * The commands of the local loop as a terminal runs them (a job: a process group of its own, led by npm), and the
 * processes they leave, read from /proc: for the tests that stop, kill and interrupt them.
 */

const ROOT = join(__dirname, "..", "..");

/** A process as /proc tells it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly parent: number;
  readonly group: number;
  readonly args: string[];
}

/** Every process of this machine that we may read. */
export function processes(): ProcessInfo[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const [state, parent, group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (state === "Z") return [];
        const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
        return [{ pid: Number(name), parent: Number(parent), group: Number(group), args }];
      } catch {
        return []; // ended while we looked
      }
    });
}

/** `pid`'s descendants, children first. */
export function descendants(pid: number): ProcessInfo[] {
  const all = processes();
  const found: ProcessInfo[] = [];
  for (let generation = all.filter((p) => p.parent === pid); generation.length > 0; ) {
    found.push(...generation);
    generation = all.filter((p) => generation.some((parent) => parent.pid === p.parent));
  }
  return found;
}

/**
 * A command started as a terminal starts a job: in a process group of its own, led by npm, with a folder of its own
 * for the tools' scratch and temp files (two jobs given the same folder see each other's records, as two commands of
 * one checkout do).
 */
export class Job {
  readonly child: ChildProcess;
  /** The running local cloud's record, where this job's commands keep it. */
  readonly cloudRecord: string;
  /** The job's temp folder (TMPDIR). */
  readonly temp: string;
  stdout = "";
  stderr = "";
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, dir: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
    // Free ports, never the fixed defaults, and folders of its own: a developer's own local:up may hold the ports and
    // its record, and test files run in parallel.
    const env = isolatedEnv(dir, extraEnv);
    this.cloudRecord = join(env.API_AUTH_COGNITO_WORK_DIR!, "local", "cloud.json");
    this.temp = env.TMPDIR!;
    this.child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.ended = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once stdout has a line matching `pattern`; rejects, with the output, if the job ends first. */
  async printed(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the job ended before printing ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The tool itself: the node process that runs tools/bin/<file> under tsx. */
  tool(file: string): ProcessInfo {
    const tool = descendants(this.pid).find((p) => p.args.some((arg) => arg.endsWith(`tools/bin/${file}`)) && p.args.some((arg) => arg.includes("loader")));
    if (!tool) throw new Error(`no process of tools/bin/${file} under npm (pid ${this.pid})`);
    return tool;
  }

  /** Every process in the job's group still there (npm, sh, tsx, the tool, workers, Terraform). */
  groupLeft(): ProcessInfo[] {
    return processes().filter((p) => p.group === this.pid);
  }

  /** Waits until no process of the job's group is left (tsx ends just after its child), or fails naming those left. */
  async groupEmpty(): Promise<void> {
    await gone(this.groupLeft().map((p) => p.pid)).catch(() => undefined);
    expect(this.groupLeft().map((p) => p.args.join(" "))).toEqual([]);
  }

  /** Ends whatever is left of the job, for a test that failed half way. */
  kill(): void {
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The helper whose command ends with `command`, run by a process guard of the tool; `undefined` when there is none. */
export function guardedHelper(toolPid: number, command: string): { helper: ProcessInfo; guard: ProcessInfo } | undefined {
  const all = descendants(toolPid);
  const guards = all.filter((p) => p.parent === toolPid && p.args.some((arg) => arg.endsWith("process-guard.cjs")));
  const helper = all.find((p) => guards.some((g) => g.pid === p.parent) && p.args.some((arg) => arg.endsWith(command)));
  return helper && { helper, guard: guards.find((g) => g.pid === helper.parent)! };
}

/** moto and its guard under a tool, and moto's socket directory. */
export function motoOf(toolPid: number): { moto: ProcessInfo; guard: ProcessInfo; socketDir: string } {
  const found = guardedHelper(toolPid, "moto/server.py");
  if (!found) throw new Error(`no moto under pid ${toolPid}`);
  const { helper: moto, guard } = found;
  const socket = moto.args[moto.args.indexOf("-H") + 1].replace(/^unix:\/\//, "");
  return { moto, guard, socketDir: dirname(socket) };
}

/** Waits until `pids` have all ended, or throws naming those left after `timeoutMs`. */
export async function gone(pids: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`still running: ${pids.filter(isAlive).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
