import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_STATE_FOLDER, STATE_FILE_NAME } from "./cloud-state";
import { syncFile } from "./durable-copy";
import { asideFiles, keepAside } from "./state-file";
import { whileStopped } from "./stopped-state";

/** Options of {@link resetState}. */
export interface ResetOptions {
  /** The state folder of the cloud. @default DEFAULT_STATE_FOLDER (npm run dev's and local:up's) */
  readonly stateFolder?: string;
  /**
   * Delete the state instead of keeping it aside, and the earlier copies kept aside (`cloud.state.reset-*`,
   * `.unreadable-*`, `.before-load-*`) with it. @default false
   */
  readonly delete?: boolean;
}

/** What {@link resetState} did. */
export interface ResetResult {
  /** The state file that was reset. */
  readonly stateFile: string;
  /** Whether there was a state to reset. */
  readonly hadState: boolean;
  /** Where the state was kept aside (without `delete`). */
  readonly keptAs?: string;
  /** The files removed (with `delete`): the state file, if there was one, and the earlier copies kept aside. */
  readonly deleted: readonly string[];
}

/**
 * Makes the stopped cloud start from nothing, on purpose: its state file is kept aside as
 * `cloud.state.reset-<time>`, or, with `delete`, removed with every earlier copy kept aside. Throws one line, having
 * changed nothing, while a cloud uses the folder.
 */
export function resetState(options: ResetOptions = {}): ResetResult {
  const folder = options.stateFolder ?? DEFAULT_STATE_FOLDER;
  const stateFile = join(folder, STATE_FILE_NAME);
  if (!existsSync(folder)) return { stateFile, hadState: false, deleted: [] };
  return whileStopped(folder, "reset the local cloud's state", () => {
    const hadState = existsSync(stateFile);
    if (options.delete) {
      const deleted = [...(hadState ? [stateFile] : []), ...asideFiles(folder)];
      for (const file of deleted) rmSync(file, { force: true });
      if (deleted.length > 0) syncFile(folder);
      return { stateFile, hadState, deleted };
    }
    if (!hadState) return { stateFile, hadState, deleted: [] };
    const keptAs = keepAside(stateFile, "reset");
    rmSync(stateFile);
    syncFile(folder);
    return { stateFile, hadState, keptAs, deleted: [] };
  });
}
