import type { DevEnvironment, DevOptions } from "./session";

/**
 * The `npm run dev` session (SST's `sst start`, offline): the local cloud, the stage deployed to it, the API served on
 * loopback, handlers reloaded and infrastructure redeployed on save; with the outputs file it writes and the block it
 * prints for a shell. Its public API, and the only module of it that other folders import: cheap to import, as the
 * session itself loads when it starts.
 */

export { checkOutputsFileTarget, LOCAL_OUTPUT_NAMES, readOutputsFile, writeOutputsFile } from "./outputs-file";
export type { DevEnvironment, DevOptions } from "./session";
export { shellBlock } from "./shell-block";
export type { ShellEndpoints, ShellStage } from "./shell-block";

/** Starts (or attaches to) the local cloud, deploys a stage unless it is deployed already, and serves its API; see {@link DevOptions}. */
export async function startDev(options?: DevOptions): Promise<DevEnvironment> {
  const session = await import("./session");
  return session.startDev(options);
}
