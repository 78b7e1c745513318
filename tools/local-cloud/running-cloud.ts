import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isAlive } from "../cli/lifecycle";
import { WORK_ROOT } from "../shared/paths";

/**
 * Where a running `npm run local:up` tells the other commands which endpoint it serves, and what it runs: so that the
 * next start can clean up after one that was killed (`kill -9`) before it could.
 */

/** The record of the running local cloud, under the tools' scratch folder. */
export const CLOUD_FILE = join(WORK_ROOT, "local", "cloud.json");

/** What {@link CLOUD_FILE} holds. */
interface CloudRecord {
  readonly endpoint: string;
  /** The process serving the local cloud. */
  readonly pid: number;
  /** Its moto server, and moto's socket (in a directory of its own). Absent in records of older versions. */
  readonly motoPid?: number;
  readonly motoSocketPath?: string;
}

/** Records that this process serves the local cloud at `endpoint`, with its moto (in `file`, for tests). */
export function recordRunningCloud(endpoint: string, moto?: { readonly pid: number; readonly socketPath: string }, file = CLOUD_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  const record: CloudRecord = { endpoint, pid: process.pid, motoPid: moto?.pid, motoSocketPath: moto?.socketPath };
  writeFileSync(file, JSON.stringify(record));
}

/** Forgets the record of the running local cloud in `file`, if this process wrote it. */
export function forgetRunningCloud(file = CLOUD_FILE): void {
  if (readRecord(file)?.pid === process.pid) rmSync(file, { force: true });
}

/**
 * Cleans up after a local cloud whose process is gone without forgetting it (`kill -9`): kills its moto if it still
 * runs (only if that pid is still moto's server), removes moto's socket directory and the record. Returns one line
 * saying what was cleaned, or `undefined` when there was nothing to clean (no record, or its process runs).
 */
export function clearStaleCloud(): string | undefined {
  const record = readRecord();
  if (!record || isAlive(record.pid)) return undefined;
  const cleaned = [`the local cloud of pid ${record.pid} ended without cleaning up`];
  if (record.motoPid !== undefined && isMoto(record.motoPid)) {
    process.kill(record.motoPid, "SIGKILL");
    cleaned.push(`killed its moto (pid ${record.motoPid})`);
  }
  if (record.motoSocketPath !== undefined && existsSync(dirname(record.motoSocketPath))) {
    rmSync(dirname(record.motoSocketPath), { recursive: true, force: true });
    cleaned.push(`removed ${dirname(record.motoSocketPath)}`);
  }
  rmSync(CLOUD_FILE, { force: true });
  return `${cleaned.join("; ")}; forgot its record`;
}

/** The record in `file`, or `undefined` when there is none or it cannot be read. */
function readRecord(file = CLOUD_FILE): CloudRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CloudRecord;
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs moto's server (a pid may have been reused since it was recorded). */
function isMoto(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").some((arg) => arg.endsWith("/moto/server.py"));
  } catch {
    return false;
  }
}

/** The endpoint `file` records, unchecked: `undefined` when there is no record. */
export function recordedCloudEndpoint(file = CLOUD_FILE): string | undefined {
  return readRecord(file)?.endpoint;
}

/** The endpoint of the running local cloud; throws with what to do when none answers. */
export async function runningCloudEndpoint(file = CLOUD_FILE): Promise<string> {
  const noCloud = "no local cloud is running: start one with `npm run local:up` in another terminal";
  const endpoint = recordedCloudEndpoint(file);
  if (endpoint === undefined) throw new Error(noCloud);
  try {
    // Any answer will do (the front refuses an unsigned request, but it answers).
    await fetch(`${endpoint}/`);
  } catch {
    throw new Error(noCloud);
  }
  return endpoint;
}
