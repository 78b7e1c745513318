import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { quoted } from "../../../constructs/validation";
import { WORK_ROOT } from "../../shared/paths";
import { motoPython } from "../moto/missing";
import { DEFAULT_STATE_FOLDER, NEW_INSTANCE_MARKER, STATE_FILE_NAME, stateFolderUser } from "./cloud-state";
import { copyDurably } from "./durable-copy";
import { keepAside, readStateHeader } from "./state-file";
import { whileStopped } from "./stopped-state";

/**
 * Snapshots of the local cloud's state: one file each, a copy of the state file (state/cloud-state.ts) as the cloud
 * last saved it, which a teammate or a CI job can load to get the same pools, users, identities and deployed stage,
 * ids and all. Named snapshots live in {@link SNAPSHOT_FOLDER}; any `.cloud-state` file can be loaded by its path.
 * A snapshot holds password verifiers, as the state does: the folder is 0700 and each file 0600.
 */

/** Where `npm run local:snapshot -- save NAME` writes `NAME.cloud-state`. */
export const SNAPSHOT_FOLDER = join(WORK_ROOT, "local", "snapshots");

/** The ending of a snapshot's file name. */
export const SNAPSHOT_EXTENSION = ".cloud-state";

/** What a snapshot's name may be. */
const NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** Where snapshots are saved and loaded: the state folder and the snapshot folder. */
export interface SnapshotPlaces {
  /** The state folder of the cloud. @default DEFAULT_STATE_FOLDER (npm run dev's and local:up's) */
  readonly stateFolder?: string;
  /** The folder of named snapshots. @default SNAPSHOT_FOLDER */
  readonly snapshotFolder?: string;
}

/** Why `name` cannot name a snapshot, in one line naming it and what is allowed; `undefined` when it can. */
export function snapshotNameProblem(name: string): string | undefined {
  if (NAME_PATTERN.test(name)) return undefined;
  return `invalid snapshot name ${quoted(name)}: expected letters, digits, "-", "_" and "." (not first), at most 100 characters`;
}

/** The file of the snapshot named `name` in `snapshotFolder`; throws {@link snapshotNameProblem}'s line for a bad name. */
export function snapshotFile(name: string, snapshotFolder = SNAPSHOT_FOLDER): string {
  const problem = snapshotNameProblem(name);
  if (problem) throw new Error(problem);
  return join(snapshotFolder, `${name}${SNAPSHOT_EXTENSION}`);
}

/** What {@link saveSnapshot} wrote. */
export interface SavedSnapshot {
  /** The snapshot's file. */
  readonly file: string;
  readonly bytes: number;
  /** When the cloud saved the state that was copied. */
  readonly savedAt: Date;
  /** The pid of the running cloud whose state was copied, if one ran. */
  readonly runningCloud?: number;
}

/**
 * Writes the state as the cloud last saved it to the snapshot `name` (0600, in a 0700 folder), whether a cloud runs
 * (it saves within a second of each change, always a complete file) or not. Throws one line when nothing was saved
 * yet, or when the snapshot exists and `force` is not set.
 */
export function saveSnapshot(name: string, options: SnapshotPlaces & { readonly force?: boolean } = {}): SavedSnapshot {
  const stateFolder = options.stateFolder ?? DEFAULT_STATE_FOLDER;
  const snapshotFolder = options.snapshotFolder ?? SNAPSHOT_FOLDER;
  const file = snapshotFile(name, snapshotFolder);
  const stateFile = join(stateFolder, STATE_FILE_NAME);
  const runningCloud = stateFolderUser(stateFolder);
  if (!existsSync(stateFile)) {
    throw new Error(
      runningCloud === undefined
        ? `nothing to save: no state in ${stateFolder} yet (npm run dev and npm run local:up keep it there)`
        : `nothing to save yet: the running local cloud (pid ${runningCloud}) has saved no state in ${stateFolder} (it saves within a second of a change)`,
    );
  }
  if (!readStateHeader(stateFile)) throw new Error(`${stateFile} is not a state file of the local cloud (it lacks the header moto/server.py writes): nothing saved`);
  if (!options.force && existsSync(file)) throw new Error(`snapshot ${quoted(name)} exists (${file}): choose another name, or add --force to replace it`);
  mkdirSync(snapshotFolder, { recursive: true, mode: 0o700 });
  chmodSync(snapshotFolder, 0o700);
  const savedAt = statSync(stateFile).mtime;
  let bytes: number;
  try {
    bytes = copyDurably(stateFile, file, { replace: options.force === true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`snapshot ${quoted(name)} exists (${file}): choose another name, or add --force to replace it`);
    throw error;
  }
  return { file, bytes, savedAt, runningCloud };
}

/** What {@link loadSnapshot} did. */
export interface LoadedSnapshot {
  /** The snapshot's file. */
  readonly source: string;
  /** The state file it replaced. */
  readonly stateFile: string;
  /** Where the state it replaced was kept, if there was one. */
  readonly previous?: string;
}

/**
 * Replaces the state of the stopped cloud with a snapshot: `nameOrPath` is a snapshot's name, or, when it holds a
 * `/`, the path of a `.cloud-state` file (relative to where `npm run` was called). The previous state is kept as
 * `cloud.state.before-load-<time>`, and the new one written whole (a temporary file, fsync, rename). Throws one line,
 * having changed nothing, when a cloud uses the state folder, the snapshot is not found or not a state file, or it
 * was written by another moto version than this machine's (which could not read it).
 */
export function loadSnapshot(nameOrPath: string, options: SnapshotPlaces = {}): LoadedSnapshot {
  const stateFolder = options.stateFolder ?? DEFAULT_STATE_FOLDER;
  const snapshotFolder = options.snapshotFolder ?? SNAPSHOT_FOLDER;
  const source = snapshotSource(nameOrPath, snapshotFolder);
  const header = readStateHeader(source);
  if (!header) throw new Error(`${source} is not a state file of the local cloud (it lacks the header npm run local:snapshot -- save writes): nothing changed`);
  // Before the claim: a refusal here leaves the folder as it was.
  if (stateFolderUser(stateFolder) === undefined) {
    const installed = installedMoto();
    if (header.moto !== undefined && installed !== undefined && header.moto !== installed) {
      throw new Error(`${source} was written by moto ${header.moto}, and this machine's moto ${installed} cannot read it: nothing changed (pip install "moto[server]==${header.moto}" to load it)`);
    }
  }
  return whileStopped(stateFolder, "load a snapshot", ({ stateFile }) => {
    const previous = existsSync(stateFile) ? keepAside(stateFile, "before-load") : undefined;
    copyDurably(source, stateFile, { replace: true });
    // A loaded state is a new instance: what this machine recorded as deployed to the saved one may have changed since.
    writeFileSync(join(dirname(stateFile), NEW_INSTANCE_MARKER), "");
    return { source, stateFile, previous };
  });
}

/** The file `nameOrPath` names for {@link loadSnapshot}: a readable, regular file, or one line saying why not. */
function snapshotSource(nameOrPath: string, snapshotFolder: string): string {
  const byPath = nameOrPath.includes("/");
  const file = byPath ? resolve(process.env.INIT_CWD ?? process.cwd(), nameOrPath) : snapshotFile(nameOrPath, snapshotFolder);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) {
    if (byPath) throw new Error(`no such file: ${file}`);
    const here = existsSync(resolve(process.env.INIT_CWD ?? process.cwd(), nameOrPath)) ? ` (to load the file ${nameOrPath} of this folder, write ./${nameOrPath})` : "";
    throw new Error(`no snapshot named ${quoted(nameOrPath)} in ${snapshotFolder}: npm run local:snapshot -- list shows those there${here}`);
  }
  if (!stat.isFile()) throw new Error(`${file} is not a file: expected a ${SNAPSHOT_EXTENSION} file that npm run local:snapshot -- save wrote`);
  return file;
}

/** The version of the moto this machine's Python runs, as server.py reads it; `undefined` when that cannot be told. */
function installedMoto(): string | undefined {
  const result = spawnSync(motoPython(), ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8", timeout: 15_000 });
  return result.status === 0 ? result.stdout.trim() || undefined : undefined;
}

/** A snapshot, as {@link listSnapshots} finds it. */
export interface SnapshotInfo {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** When it was written. */
  readonly modified: Date;
  /** The moto that wrote it, when its header says; `undefined` also for a file that is not a state file. */
  readonly moto: string | undefined;
}

/** The snapshots in `snapshotFolder`, by name; none when the folder does not exist. */
export function listSnapshots(snapshotFolder = SNAPSHOT_FOLDER): SnapshotInfo[] {
  if (!existsSync(snapshotFolder)) return [];
  return readdirSync(snapshotFolder)
    .filter((entry) => entry.endsWith(SNAPSHOT_EXTENSION) && snapshotNameProblem(entry.slice(0, -SNAPSHOT_EXTENSION.length)) === undefined)
    .sort()
    .flatMap((entry) => {
      const file = join(snapshotFolder, entry);
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) return [];
      return [{ name: entry.slice(0, -SNAPSHOT_EXTENSION.length), file, bytes: stat.size, modified: stat.mtime, moto: readStateHeader(file)?.moto }];
    });
}
