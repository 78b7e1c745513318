/** The app: its stacks and how they are put together from the settings (the cdktf entry is main.ts). */
export { buildApp, writeStageManifests } from "./app";
export { CI_STACK_NAME, stackName, STATE_STACK_NAME } from "./config";
export { CI_ROLE_OUTPUTS, CiRolesStack } from "./stacks/ci-roles-stack";
export { STAGE_ACCOUNT_OUTPUTS, StageAccountRolesStack } from "./stacks/stage-account-roles-stack";
export { ApiAuthCognitoStack, STAGE_ROLE_VARIABLE } from "./stacks/stage-stack";
export type { ApiAuthCognitoStackProps } from "./stacks/stage-stack";
export { stateKey } from "./stacks/state-backend";
export { StateStack } from "./stacks/state-stack";
