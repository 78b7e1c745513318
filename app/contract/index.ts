/**
 * What the tools may know of the app, and the only app module they import: the stage manifest written at synth
 * beside each stage's stack, the local target (how a stack reaches the local cloud), the local ports, and the
 * settings and CI permissions the tools read the way the app does.
 */
export { APP_NAME, assertStateBucketBootstrapped, LOCAL_STATE_BUCKET, readCdktfJson, resolveSettings, SETTING_SOURCES, stackName, STATE_STACK_NAME, stageNamed } from "../config";
export { CI_ROLE_NAMES, deployStatements, LOG_DELIVERY_ACTIONS, planStatements, policyDocument, STAGE_TAG } from "../ci-permissions";
export type { PermissionStatement } from "../ci-permissions";
export { localAwsProvider, localS3Backend } from "./local-target";
export { API_PORT_ENV, CLOUD_PORT_ENV, DEFAULT_API_PORT, DEFAULT_CLOUD_PORT, portSetting } from "./ports";
export { OUTPUT_NAMES, readStageManifest } from "./stage-manifest";
export type { StageManifest } from "./stage-manifest";
