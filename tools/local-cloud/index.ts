import type { LocalCloud, LocalCloudOptions } from "./cloud";
import type { RemoteCloud } from "./remote-cloud";

/**
 * The local cloud: moto behind a front that answers what moto lacks, checks who may do what, and serves other
 * processes what a local API needs to know (the control API). Its public API, and the only module of it that other
 * folders import: cheap to import, as the emulator itself loads when a cloud starts or is connected to.
 */

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION } from "./account";
export { signatureClaim, verifySignedRequest } from "./auth/sigv4";
export { actionOf } from "./auth/request-actions";
export type { RequestAction } from "./auth/request-actions";
export { authorizeRole, clearPolicyCache, POLICY_CACHE_MS } from "./auth/role-policies";
export type { LocalCloud, LocalCloudOptions } from "./cloud";
export type { Awaitable, CloudView } from "./cloud-view";
export type { ObservedRequest } from "./gateway/pipeline";
export { motoMissing } from "./moto/missing";
export { explainTakenPort } from "./port-taken";
export type { PortChoice } from "./port-taken";
export { isJsonObject } from "./protocol/aws-json";
export type { RemoteCloud } from "./remote-cloud";
export { CLOUD_FILE, clearStaleCloud, forgetRunningCloud, recordedCloudEndpoint, recordRunningCloud, runningCloudEndpoint } from "./running-cloud";
export type { IssuedCredentials } from "./services/cognito-identity";
export { DEFAULT_STATE_FOLDER, STATE_FILE_NAME, stateFolderUser } from "./state/cloud-state";
export type { LoadedSnapshot, SavedSnapshot, SnapshotInfo, SnapshotPlaces } from "./state/snapshots";
export { resetState } from "./state/state-reset";
export type { ResetOptions, ResetResult } from "./state/state-reset";
// Lambda names alone, not the service's entry, which loads its stores: this module stays cheap to import.
export { functionNameOfArn } from "./services/lambda/lambda-names";
export type { FunctionCode } from "./services/lambda";

/** Starts moto and its front; see {@link LocalCloudOptions}. */
export async function startLocalCloud(options?: LocalCloudOptions): Promise<LocalCloud> {
  const cloud = await import("./cloud");
  return cloud.startLocalCloud(options);
}

/**
 * Snapshots of the local cloud's state (save, load, list: state/snapshots.ts), loaded when asked for: their messages
 * quote values as the tools do, which loads cdktf.
 */
export function stateSnapshots(): Promise<typeof import("./state/snapshots")> {
  return import("./state/snapshots");
}

/** A {@link CloudView} of the local cloud another process runs at `endpoint` (`npm run local:up`), through its control API. */
export async function connectRemoteCloud(endpoint: string): Promise<RemoteCloud> {
  const remote = await import("./remote-cloud");
  return remote.connectRemoteCloud(endpoint);
}
