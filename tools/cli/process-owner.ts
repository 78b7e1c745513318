import { readlinkSync } from "node:fs";
import { isAlive } from "./lifecycle";

/**
 * Who left something on disk: a process of this machine, named by its pid and, on Linux, its pid namespace (two
 * containers that share /tmp have processes of the same pid that are not the same). Whatever a process leaves in a
 * shared folder carries its owner stamp; a sweep removes it only when the owner is of the sweeper's namespace and no
 * longer runs (it ended without cleaning up: `kill -9`). What a live process uses is never swept, in this namespace
 * or another; a reused pid only delays a sweep.
 */

/** This process's pid namespace (`4026531836`), or `""` where there is none to read (not Linux). */
function namespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "";
  } catch {
    return "";
  }
}

/** The stamp of this process: `<pid>.<namespace>`, or `<pid>` where there are no namespaces. */
export function ownerStamp(): string {
  const ns = namespace();
  return ns ? `${process.pid}.${ns}` : String(process.pid);
}

/** The pattern of a stamp inside a name: `<pid>` or `<pid>.<namespace>`. */
export const OWNER_STAMP = /(\d+)(?:\.(\d+))?/;

/** Whether the owner a stamp names has ended: it is of this namespace, and no process of its pid runs. */
export function ownerGone(stamp: string): boolean {
  const match = new RegExp(`^${OWNER_STAMP.source}$`).exec(stamp);
  if (!match) return false;
  const [, pid, ns = ""] = match;
  return ns === namespace() && !isAlive(Number(pid));
}
