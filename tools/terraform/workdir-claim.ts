import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isRunning } from "./process-alive";

/**
 * One deploy at a time per working directory. Two deploys of a stage from two working copies are kept apart by the
 * state lock; two in the same directory would first delete and rewrite each other's files there (prepareStack) and
 * run `terraform init` at once, before the state lock could say anything. So a deploy claims the directory with a
 * file beside it naming its pid; a claim whose process is gone (the tool was killed) is taken over.
 */

/** Claims `workdir` for this process; returns the release. Throws one line when a live process has it. */
export function claimWorkdir(workdir: string, what: string): () => void {
  const file = `${workdir}.claim`;
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = claimant(file);
      if (holder !== undefined && holder !== process.pid && isRunning(holder)) {
        throw new Error(`another deploy of ${what} is running (pid ${holder}, in ${workdir}): wait for it to finish, then run this command again`);
      }
      if (holder === process.pid) throw new Error(`a deploy of ${what} is already running in this process (in ${workdir})`);
      // The claimant is gone: its claim is stale.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not claim ${workdir} for a deploy of ${what}`);
}

function claimant(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

