import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../tools/cli/lifecycle";
import { PARTS_ENV } from "./requires";
import { SHARED_PIDS } from "./shared";
import { TEST_RUN_ENV } from "./test-run";

/** How long the shared processes get to stop once their guards are told to (a guard gives its helper 3 s). */
const STOP_WITHIN_MS = 20_000;

/**
 * The global teardown of the integration and e2e projects: tells the guard of each shared process (shared.ts) to stop
 * it, as the end of the worker that started it would, waits for them, kills any left after that, and removes this
 * run's folder (once: the second project's teardown finds it gone).
 */
export default async function teardown(): Promise<void> {
  const run = process.env[TEST_RUN_ENV];
  if (!run) return;
  const folder = join(run, SHARED_PIDS);
  const pids = (() => {
    try {
      return readdirSync(folder).map((name) => Number(readFileSync(join(folder, name), "utf8")));
    } catch {
      return [];
    }
  })();
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  // A guard leads its process group: what is left of it and its helper goes together.
  for (const pid of pids.filter(isAlive)) signal(-pid, "SIGKILL");
  rmSync(run, { recursive: true, force: true });
  delete process.env[TEST_RUN_ENV];
  delete process.env[PARTS_ENV];
}

/** Sends `name` to `pid` (a group when negative), if it is still there. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone meanwhile
  }
}
