import { openStateFolder, StateFolder, stateFolderUser } from "./cloud-state";

/**
 * Runs `change` on the state in `folder` while no local cloud uses it, and returns what it returns. Refuses, in one
 * line naming `what` was asked, when a live cloud uses the folder; meanwhile holds the folder's claim, so that no
 * cloud starts half way through (it would be refused as by a running one).
 */
export function whileStopped<T>(folder: string, what: string, change: (state: StateFolder) => T): T {
  const user = stateFolderUser(folder);
  if (user !== undefined) throw new Error(`cannot ${what} while a local cloud (pid ${user}) uses the state in ${folder}: stop npm run dev / npm run local:up first`);
  const state = openStateFolder(folder);
  try {
    return change(state);
  } finally {
    state.release();
  }
}
