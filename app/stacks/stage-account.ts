import { quoted, ValidationError } from "../../constructs/validation";
import { DeployEnvironment, environmentOf } from "../ci-permissions";
import { ResolvedStage, Settings, StageAccountRoles, stageAccountRoles, stageAccountStackName } from "../config";

/**
 * The account roles of `stage` and the CI environment whose role deploys it, when it has an account stack: a deploy
 * role, CI roles configured, an environment that deploys it, the AWS target. Throws a {@link ValidationError} when the
 * deploy role is not the one that stack creates.
 */
export function stageAccountOf(stage: ResolvedStage, settings: Settings): { roles: StageAccountRoles; environment: DeployEnvironment } | undefined {
  const roles = stageAccountRoles(stage);
  const environment = environmentOf(stage.name);
  if (!roles || !environment || settings.githubRepository === "" || settings.target !== "aws") return undefined;
  if (stage.deployRoleArn !== roles.deploy) {
    throw new ValidationError(
      `invalid deploy role of stage ${quoted(stage.name)} ${quoted(stage.deployRoleArn)}: with CI roles, it is the role the stack ${stageAccountStackName(stage)} creates, ${roles.deploy}`,
    );
  }
  return { roles, environment };
}

/** The read-only roles of the configured stages in other accounts: what the CI plan role may assume. */
export function planRoleArns(settings: Settings): string[] {
  return settings.stages.flatMap((stage) => {
    const account = stageAccountOf(stage, settings);
    return account ? [account.roles.plan] : [];
  });
}
