import { readdirSync, readFileSync } from "node:fs";

/**
 * The processes of one local Lambda sandbox, and how to end them all, as Lambda ends an execution environment.
 *
 * A handler may start processes of its own, and `detached: true` (or `setsid`) puts one in a new session and process
 * group, so neither killing the worker's group nor its session reaches it, and once its parent has gone it is a child
 * of init: nothing ties it to the worker but what it inherited. Without cgroups (which need privileges this tool does
 * not ask for), two inherited things still name it: its ancestry, while its parents live, and its environment. So each
 * worker's environment carries a sandbox id ({@link SANDBOX_ENV}), which children inherit however they detach, and
 * ending a sandbox kills, round after round until a scan finds none: the worker and its descendants (by parent pid,
 * scanned before any of them dies) and every process whose initial environment holds the id. Only a process that both
 * dropped the variable (`env: {}`) and lost its parents before the scan escapes.
 *
 * Linux only (/proc); elsewhere only the worker itself is killed.
 *
 * Imports only Node's own modules: bootstrap.ts bundles it, to end its own sandbox when the runner goes away.
 */

/** The variable holding a worker's sandbox id, inherited by every process the handler starts. */
export const SANDBOX_ENV = "_LOCAL_LAMBDA_SANDBOX_ID";

/** Enough rounds for a process that forks while it is being killed; each round kills all it finds. */
const MAX_ROUNDS = 20;

/** A process as /proc/<pid>/stat shows it. */
interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** A zombie has exited already: it holds no resources and cannot be killed, only reaped by its parent. */
  readonly zombie: boolean;
}

/**
 * Kills every process of the sandbox `id`: `root` (the worker; omitted once it has exited) with its descendants, and
 * every process whose environment carries the id; never this process. Returns how many processes it signalled.
 */
export function killSandbox(id: string, root?: number): number {
  let signalled = 0;
  if (process.platform !== "linux") return root !== undefined && signal(root) ? 1 : 0;
  const marker = Buffer.from(`${SANDBOX_ENV}=${id}\0`);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const processes = listProcesses().filter((entry) => !entry.zombie && entry.pid !== process.pid);
    const targets = new Set<number>();
    if (root !== undefined) for (const pid of descendants(processes, root)) targets.add(pid);
    for (const { pid } of processes) if (!targets.has(pid) && carries(pid, marker)) targets.add(pid);
    targets.delete(process.pid);
    if (targets.size === 0) break;
    for (const pid of targets) if (signal(pid)) signalled += 1;
  }
  return signalled;
}

/** `root` and every process below it, by parent pid. */
function descendants(processes: readonly ProcessEntry[], root: number): number[] {
  const found = processes.some((entry) => entry.pid === root) ? [root] : [];
  for (let i = 0; i < found.length; i += 1) for (const entry of processes) if (entry.ppid === found[i]) found.push(entry.pid);
  return found;
}

/** Every process this user can see, from /proc. */
function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so read after the last ")".
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      entries.push({ pid: Number(name), ppid: Number(ppid), zombie: state === "Z" || state === "X" });
    } catch {
      // Gone since the listing.
    }
  }
  return entries;
}

/** Whether `pid`'s initial environment holds `marker` (a whole `NAME=value\0` entry); false when it cannot be read. */
function carries(pid: number, marker: Buffer): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`);
    const at = environ.indexOf(marker);
    return at === 0 || (at > 0 && environ[at - 1] === 0);
  } catch {
    // Another user's process, or gone.
    return false;
  }
}

/** SIGKILL to `pid`; false when there was no such process (or it is not ours). */
function signal(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}
