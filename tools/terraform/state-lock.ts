import { hostname } from "node:os";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { isRunning } from "./process-alive";

/**
 * Who holds a stage's state lock, so that a lock left by a killed deploy can be told from a live one.
 *
 * Terraform's S3-native lock is the object `<key>.tflock` beside the state, holding `ID`, `Operation`, `Who`
 * (`user@host`), `Version`, `Created` and `Path`, but no process id: a lock whose holder was killed with `kill -9`
 * looks exactly like a lock held by a deploy still running. So once our Terraform has the lock, we write
 * `<key>.tflock.holder` beside it: the lock's ID, Terraform's pid and the host. A later deploy releases the lock only
 * when that record names this very lock, this host and a process that no longer exists; any other lock is left alone.
 */

/** The lock object as Terraform's S3 backend writes it. */
export interface StateLockInfo {
  readonly ID: string;
  readonly Operation: string;
  readonly Who: string;
  readonly Created: string;
}

/** The record of the process that holds a lock. */
export interface LockHolder {
  readonly lockId: string;
  readonly pid: number;
  readonly host: string;
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
  | { readonly state: "released"; readonly lock: StateLockInfo; readonly holder: LockHolder }
  | { readonly state: "held"; readonly lock: StateLockInfo; readonly holder?: LockHolder };

/** The current lock of the state, or `undefined` when it is not locked. */
export async function readLock(location: StateLocation): Promise<StateLockInfo | undefined> {
  return readJson<StateLockInfo>(location, lockKey(location.key));
}

/** Records that Terraform process `pid` on this host holds `lock`. */
export async function recordHolder(location: StateLocation, lock: StateLockInfo, pid: number): Promise<void> {
  const holder: LockHolder = { lockId: lock.ID, pid, host: hostname() };
  await location.s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: holderKey(location.key), Body: JSON.stringify(holder) }));
}

/**
 * Releases the state's lock if its holder is provably gone (see the file comment), and says what it found. A lock
 * whose holder is alive, on another host, or unknown (a deploy not run by these tools) is reported as held.
 */
export async function releaseStaleLock(location: StateLocation): Promise<LockCheck> {
  const lock = await readLock(location);
  if (!lock) return { state: "free" };
  const holder = await readJson<LockHolder>(location, holderKey(location.key));
  const ours = holder?.lockId === lock.ID ? holder : undefined;
  if (!ours || ours.host !== hostname() || isRunning(ours.pid)) return { state: "held", lock, holder: ours };
  // What `terraform force-unlock` does for an S3-native lock, without starting Terraform for it.
  await location.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: lockKey(location.key) }));
  await location.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: holderKey(location.key) }));
  return { state: "released", lock, holder: ours };
}

/** One line saying who holds a lock and what to do, for a deploy that cannot have it. */
export function heldLockMessage(stack: string, check: { readonly lock: StateLockInfo; readonly holder?: LockHolder }, dir: string): string {
  const { lock, holder } = check;
  const who = holder ? `terraform pid ${holder.pid} on ${holder.host}, still running` : lock.Who;
  return (
    `the state of ${stack} is locked by another deploy (${who}; ${lock.Operation.replace(/^OperationType/, "").toLowerCase()} since ${lock.Created}): ` +
    `wait for it to finish, or, if no deploy is running, release it with: terraform -chdir=${dir} force-unlock -force ${lock.ID}`
  );
}


function lockKey(key: string): string {
  return `${key}.tflock`;
}

function holderKey(key: string): string {
  return `${key}.tflock.holder`;
}

async function readJson<T>(location: StateLocation, key: string): Promise<T | undefined> {
  try {
    const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as T;
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  }
}
