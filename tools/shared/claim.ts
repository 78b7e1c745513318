import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isAlive } from "../cli/lifecycle";

/**
 * One process at a time: a claim is a file naming its holder's pid, created only if absent; a claim whose process is
 * gone (killed) is taken over. Used for a deploy's working folder and the local cloud's state.
 */

/** Claims `file` for this process; returns the release. Throws the line `busy(pid)` says when a live process holds it. */
export function claim(file: string, busy: (holder: number) => string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: "wx", mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = holderOf(file);
      if (holder !== undefined && isAlive(holder)) throw new Error(busy(holder));
      // The holder is gone: its claim is stale.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not claim ${file}`);
}

/** The pid a claim names; `undefined` when there is none or it does not read. */
export function holderOf(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}
