import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { CI_STACK_NAME, resolveSettings, stackName, stageAccountStackName, STATE_STACK_NAME } from "./config";
import { STAGE_MANIFEST_FILE } from "./contract/stage-manifest";
import { CiRolesStack } from "./stacks/ci-roles-stack";
import { stageAccountOf } from "./stacks/stage-account";
import { StageAccountRolesStack } from "./stacks/stage-account-roles-stack";
import { ApiAuthCognitoStack } from "./stacks/stage-stack";
import { StateStack } from "./stacks/state-stack";

/**
 * Adds the state bucket's stack, the CI roles' stack (with a GitHub repository configured) and one stack per
 * configured stage to `app`, with settings from `env` and the app's context. For the local cloud there is no state stack: the local cloud creates its state bucket when it starts.
 */
export function buildApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): App {
  const settings = resolveSettings((key) => app.node.tryGetContext(key), env);
  if (settings.target === "aws") new StateStack(app, STATE_STACK_NAME, settings);
  if (settings.target === "aws" && settings.githubRepository !== "") new CiRolesStack(app, CI_STACK_NAME, settings);
  for (const stage of settings.stages) {
    new ApiAuthCognitoStack(app, stackName(stage), { stage, settings });
    if (settings.target === "aws" && stageAccountOf(stage, settings)) new StageAccountRolesStack(app, stageAccountStackName(stage), { stage, settings });
  }
  return app;
}

/** Writes each stage's {@link StageManifest} beside its synthesized stack. Call after `app.synth()`. */
export function writeStageManifests(app: App): void {
  for (const stack of app.node.children) {
    if (!(stack instanceof ApiAuthCognitoStack)) continue;
    writeFileSync(join(app.outdir, "stacks", stack.node.id, STAGE_MANIFEST_FILE), `${JSON.stringify(stack.manifest, null, 2)}\n`);
  }
}
