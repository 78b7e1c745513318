import { hostname } from "node:os";
import { DeleteObjectCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { TerraformProcess, terraformProcessesOf } from "./terraform-processes";

/**
 * A stage's state lock, and whether its holder is gone, so that a lock left by a killed deploy can be told from a
 * live one and released safely, whoever ran the deploy (these tools, `cdktf deploy`, a user's `terraform apply`).
 *
 * Terraform's S3-native lock is the object `<key>.tflock` beside the state, holding `ID`, `Operation`, `Who`
 * (`user@host`), `Version`, `Created` and `Path`, but no process id. A lock is released here only when it was taken on
 * this host and no Terraform process of this host works on that state any more (terraform-processes.ts): then the
 * Terraform that took it has ended without releasing it (`kill -9`, a crash), and nothing else can. Any other lock is
 * left alone: one whose Terraform still runs, one taken on another host, and every lock where processes cannot be
 * listed.
 */

/** The lock object as Terraform's S3 backend writes it. */
export interface StateLockInfo {
  readonly ID: string;
  readonly Operation: string;
  readonly Who: string;
  readonly Created: string;
}

/** Where a stage's state lives: the bucket and key of its S3 backend, reached through `s3`. */
export interface StateLocation {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
}

/** What {@link releaseStaleLock} found. */
export type LockCheck =
  | { readonly state: "free" }
  | { readonly state: "released"; readonly lock: StateLockInfo }
  /** Held by `holders`, still running on this host. */
  | { readonly state: "held"; readonly lock: StateLockInfo; readonly holders: readonly TerraformProcess[] }
  /** Taken on another host, or where this host cannot tell whether its Terraform runs: `why` says which. */
  | { readonly state: "unknown"; readonly lock: StateLockInfo; readonly why: string };

/** The current lock of the state, or `undefined` when it is not locked. */
export async function readLock(location: StateLocation): Promise<StateLockInfo | undefined> {
  try {
    const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: lockKey(location.key) }));
    return JSON.parse(await object.Body!.transformToString()) as StateLockInfo;
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  }
}

/** Releases the state's lock if its holder is provably gone (see the file comment), and says what it found. */
export async function releaseStaleLock(location: StateLocation): Promise<LockCheck> {
  const lock = await readLock(location);
  if (!lock) return { state: "free" };
  const host = lock.Who.slice(lock.Who.lastIndexOf("@") + 1);
  if (host !== hostname()) return { state: "unknown", lock, why: `taken on ${host}, not on this host (${hostname()})` };
  const holders = terraformProcessesOf(location.bucket, location.key);
  if (!holders) return { state: "unknown", lock, why: "this host cannot list its processes to tell whether its terraform still runs" };
  if (holders.length > 0) return { state: "held", lock, holders };
  // The lock is read again just before it goes: one released and retaken meanwhile is another deploy's.
  const current = await readLock(location);
  if (current?.ID !== lock.ID) return releaseStaleLock(location);
  // What `terraform force-unlock` does for an S3-native lock, without starting Terraform for it.
  await location.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: lockKey(location.key) }));
  return { state: "released", lock };
}

/** One line saying which lock of the state `key` was released, and why that was safe. */
export function releasedLockMessage(key: string, lock: StateLockInfo): string {
  return `released the state lock ${lock.ID} of ${key} (${describe(lock)}): its terraform is gone, no terraform process on this host works on that state`;
}

/**
 * One line saying who holds a lock and what to do, for a command that cannot have it. `dir` is a working directory of
 * the stage, where `terraform force-unlock` can run, for a lock this host cannot judge.
 */
export function heldLockMessage(stack: string, check: Extract<LockCheck, { state: "held" | "unknown" }>, dir?: string): string {
  const { lock } = check;
  if (check.state === "held") {
    const holders = check.holders.map((p) => `pid ${p.pid}${p.dir ? ` in ${p.dir}` : ""}`).join(", ");
    return `the state of ${stack} is locked by a terraform still running on this host (${holders}; ${describe(lock)}): wait for it to finish, or stop it, then run this command again`;
  }
  const where = dir ? `terraform -chdir=${dir} force-unlock -force ${lock.ID}` : `terraform force-unlock -force ${lock.ID}, in a working directory of ${stack}`;
  return `the state of ${stack} is locked (${describe(lock)}), ${check.why}: if no deploy of it is running there, release it with: ${where}`;
}

/** `apply by root@vm since 2026-12-07T16:44:47Z`. */
function describe(lock: StateLockInfo): string {
  return `${lock.Operation.replace(/^OperationType/, "").toLowerCase()} by ${lock.Who} since ${lock.Created}`;
}

function lockKey(key: string): string {
  return `${key}.tflock`;
}
