import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { WORK_ROOT } from "../terraform/terraform";

/** Where a running `npm run local:up` tells the other commands which endpoint it serves. */

/** The record of the running local cloud, under the tools' scratch folder. */
export const CLOUD_FILE = join(WORK_ROOT, "local", "cloud.json");

/** Records that this process serves the local cloud at `endpoint` (in `file`, for tests). */
export function recordRunningCloud(endpoint: string, file = CLOUD_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ endpoint, pid: process.pid }));
}

/** Forgets the record of the running local cloud. */
export function forgetRunningCloud(file = CLOUD_FILE): void {
  rmSync(file, { force: true });
}

/** The endpoint of the running local cloud recorded in `file`; throws with what to do when none answers. */
export async function runningCloudEndpoint(file = CLOUD_FILE): Promise<string> {
  const noCloud = "no local cloud is running: start one with `npm run local:up` in another terminal";
  if (!existsSync(file)) throw new Error(noCloud);
  const { endpoint } = JSON.parse(readFileSync(file, "utf8")) as { endpoint: string };
  try {
    await fetch(`${endpoint}/moto-api/`);
  } catch {
    throw new Error(noCloud);
  }
  return endpoint;
}
