import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { unzipSync } from "fflate";
import { OWNER_STAMP, ownerGone, ownerStamp } from "../../cli/process-owner";
import type { RunnableCode } from "./invocation";

/**
 * The unpacked code of local Lambda functions: each zip unpacked once into a directory of the cache folder named by
 * its content hash, Lambda's `/var/task` for every process of that code.
 */

/**
 * The directory `code`'s zip is unpacked in under `cacheDir`, keyed by the zip's content; unpacked on first use.
 * Throws when an entry of the zip would land outside it.
 */
export function unpackedCode(cacheDir: string, code: Pick<RunnableCode, "functionName" | "zip">): string {
  const dir = join(cacheDir, createHash("sha256").update(code.zip).digest("hex"));
  if (existsSync(dir)) return dir;
  // Unpacked beside it, then renamed into place: a reader never sees half a directory.
  const scratch = `${dir}.${process.pid}.${randomUUID()}`;
  for (const [name, data] of Object.entries(unzipSync(new Uint8Array(code.zip.buffer, code.zip.byteOffset, code.zip.length)))) {
    if (name.endsWith("/")) continue;
    const target = normalize(join(scratch, name));
    if (isAbsolute(name) || !target.startsWith(scratch + "/")) throw new Error(`the zip of ${code.functionName} has an entry outside its root: ${name}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  mkdirSync(scratch, { recursive: true });
  try {
    renameSync(scratch, dir);
  } catch (error) {
    // Another runner unpacked the same zip first.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(dir)) throw error;
  }
  return dir;
}

/**
 * A runner's own cache folder, `<temp>/api-auth-cognito-lambda/run-<owner stamp>-<random>`. Those of runners whose
 * process ended without removing them (`kill -9`) are removed first: only those (process-owner.ts says how it
 * knows), never a live runner's.
 */
export function ownCacheDir(temp: string): string {
  const runs = join(temp, "api-auth-cognito-lambda");
  for (const name of existsSync(runs) ? readdirSync(runs) : []) {
    // Only `run-<stamp>-*`: other entries are the shared cache of earlier versions, still used by their processes.
    const stamp = new RegExp(`^run-(${OWNER_STAMP.source})-`).exec(name)?.[1];
    if (stamp !== undefined && ownerGone(stamp)) rmSync(join(runs, name), { recursive: true, force: true });
  }
  return join(runs, `run-${ownerStamp()}-${randomUUID().slice(0, 8)}`);
}
