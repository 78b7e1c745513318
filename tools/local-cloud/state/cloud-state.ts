import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../cli/lifecycle";
import { claim, holderOf } from "../../shared/claim";
import { WORK_ROOT } from "../../shared/paths";
import type { KeptStore } from "./kept-store";

/**
 * The local cloud's state on disk, so that a restart (Ctrl-C, `kill -9`, a reboot) finds every pool, user, identity,
 * function, API, bucket and object as it was, with the same ids. One folder of mode 0700 holds one file of mode 0600
 * (it holds password verifiers): moto's own objects, pickled by moto's server (moto/server.py), with the front's
 * stores inside it as this module encodes them. The file is replaced whole (a temporary file, fsync, rename, fsync of
 * the folder), so a crash leaves the last complete save. When it is written: after each burst of requests that may
 * change something (at most {@link QUIET_MS} after the last, and {@link MAX_DELAY_MS} after the first), and when the
 * cloud stops. One cloud at a time uses a folder (a claim file names its pid).
 */

/** The state folder of `npm run dev` and `npm run local:up`. */
export const DEFAULT_STATE_FOLDER = join(WORK_ROOT, "local", "state");

/** The state file's name in its folder. */
export const STATE_FILE_NAME = "cloud.state";

/**
 * A file in the folder that makes the next cloud a new instance (a new instance id) of the state it reads: written
 * when a snapshot is loaded, so that `npm run dev` does not take the loaded stage for what it last deployed itself.
 */
export const NEW_INSTANCE_MARKER = "new-instance";

/** The claim of the cloud that uses the folder. */
const CLAIM_FILE_NAME = "in-use.json";

/** Quiet time after a request before the state is saved, in ms. */
const QUIET_MS = 100;

/** The longest a change waits to be saved while requests keep coming, in ms. */
const MAX_DELAY_MS = 1_000;

/** A state folder in use by this process. */
export interface StateFolder {
  readonly folder: string;
  readonly stateFile: string;
  /** Gives the folder up (the state file stays). */
  release(): void;
}

/**
 * Opens `folder` for a cloud of this process: makes it (0700), claims it, and removes the temporary files of saves
 * that were cut short. Throws one line when another live cloud uses it.
 */
export function openStateFolder(folder: string): StateFolder {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  const release = claim(join(folder, CLAIM_FILE_NAME), (pid) => `the local cloud's state in ${folder} is in use by another local cloud (pid ${pid}): stop that one, or attach to it (npm run dev attaches to the cloud of npm run local:up)`);
  for (const name of readdirSync(folder)) if (name.endsWith(".tmp")) rmSync(join(folder, name), { force: true });
  return { folder, stateFile: join(folder, STATE_FILE_NAME), release };
}

/** Whether the folder asks for a new instance ({@link NEW_INSTANCE_MARKER}); the marker is removed. */
export function takeNewInstanceMarker(folder: StateFolder): boolean {
  const marker = join(folder.folder, NEW_INSTANCE_MARKER);
  if (!existsSync(marker)) return false;
  rmSync(marker, { force: true });
  return true;
}

/** The pid of the live cloud that uses `folder`, if one does. */
export function stateFolderUser(folder: string): number | undefined {
  const pid = holderOf(join(folder, CLAIM_FILE_NAME));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** The front's part of the state: the cloud's identity, and each kept store's contents by name. */
export interface FrontState {
  /** The cloud's instance id: what was deployed to it before a restart is still there after. */
  readonly instanceId: string;
  readonly stores: Readonly<Record<string, unknown>>;
}

/** The front's state as bytes: JSON, with `Date`s and binary values tagged so that they come back as they were. */
export function encodeFrontState(state: FrontState): Buffer {
  return Buffer.from(
    JSON.stringify(state, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key];
      if (raw instanceof Date) return { $date: raw.toISOString() };
      if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") };
      return value;
    }),
  );
}

/** The front's state from {@link encodeFrontState}'s bytes; `undefined` for none (a cloud that starts from nothing). */
export function decodeFrontState(bytes: Buffer): FrontState | undefined {
  if (bytes.length === 0) return undefined;
  return JSON.parse(bytes.toString("utf8"), (_key, value: unknown) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const tagged = value as { $date?: string; $bytes?: string };
      if (typeof tagged.$date === "string" && Object.keys(value).length === 1) return new Date(tagged.$date);
      if (typeof tagged.$bytes === "string" && Object.keys(value).length === 1) return Buffer.from(tagged.$bytes, "base64");
    }
    return value;
  }) as FrontState;
}

/** Each kept store's contents, by name. */
export function saveStores(stores: Readonly<Record<string, KeptStore>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(stores).map(([name, store]) => [name, store.save()]));
}

/** Puts back each kept store's saved contents; a store the state does not name keeps what it has. */
export function restoreStores(stores: Readonly<Record<string, KeptStore>>, saved: Readonly<Record<string, unknown>>): void {
  for (const [name, store] of Object.entries(stores)) if (name in saved) store.restore(saved[name]);
}

/**
 * Saves after each burst of changes: {@link QUIET_MS} after the last change, or {@link MAX_DELAY_MS} after the first
 * while changes keep coming; one save at a time, and a change during a save leads to one more after it.
 */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private firstChange: number | undefined;
  private saving: Promise<void> | undefined;
  private again = false;

  /** `save` writes the state; `onError` gets the line of a save that failed (the next change tries again). */
  constructor(
    private readonly save: () => Promise<void>,
    private readonly onError: (line: string) => void,
  ) {}

  /** Something may have changed: save soon. */
  changed(): void {
    const now = Date.now();
    this.firstChange ??= now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(QUIET_MS, this.firstChange + MAX_DELAY_MS - now));
    this.timer = setTimeout(() => void this.run(), wait);
  }

  /** Saves now (after a save under way), whether or not anything changed; resolves once it is on disk. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    await this.saving;
    await this.run();
  }

  private run(): Promise<void> {
    this.firstChange = undefined;
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    this.saving = (async () => {
      do {
        this.again = false;
        try {
          await this.save();
        } catch (error) {
          this.onError(`the local cloud could not save its state: ${(error as Error).message}`);
        }
      } while (this.again);
      this.saving = undefined;
    })();
    return this.saving;
  }
}
