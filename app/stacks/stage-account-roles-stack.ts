import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { CrossAccountRole } from "../../constructs/cross-account-role";
import { quoted, ValidationError } from "../../constructs/validation";
import { boundaryStatements, CI_BOUNDARY_NAME, CI_ROLE_NAMES, DeployEnvironment, policyDocument, stageAccountDeployStatements, stageAccountPlanStatements } from "../ci-permissions";
import { APP_NAME, CI_STACK_NAME } from "../config";
import { CI_ROLE_OUTPUTS } from "./ci-roles-stack";
import { stageAccountOf } from "./stage-account";
import type { ApiAuthCognitoStackProps } from "./stage-stack";

/**
 * The read-only and deploy roles of a stage in another account, in that account, in a stack of its own: apply it
 * there once with that account's administrator credentials, after the CI stack, giving it the CI stack's outputs
 * (`npx cdktf deploy api-auth-cognito-prod-account --var ci_plan_role_arn=<PlanRoleArn> --var ci_deploy_role_arn=<ProdRoleArn>`).
 * Synthesized for each stage with a deploy role that a CI environment deploys, when the CI roles are configured.
 * Its state is local (beside the state bucket's): the CI account's bucket is out of that account's reach.
 */
export class StageAccountRolesStack extends TerraformStack {
  /** The read-only role the CI plan role assumes for the stage's plans and drift checks. */
  readonly planRole: CrossAccountRole;
  /** The role the stage's environment's CI role assumes to deploy it and to smoke-test it. */
  readonly deployRole: CrossAccountRole;
  /** The permissions boundary every role the deploy role creates must carry, in this account. */
  readonly boundary: IamPolicy;
  /** The variables the CI stack's outputs go into: the ARNs of the CI roles trusted here. */
  readonly variables: { readonly ciPlanRoleArn: TerraformVariable; readonly ciDeployRoleArn: TerraformVariable };

  constructor(scope: Construct, id: string, { stage, settings }: ApiAuthCognitoStackProps) {
    super(scope, id);
    const account = stageAccountOf(stage, settings);
    if (!account) throw new ValidationError(`stage ${quoted(stage.name)} has no account stack: it needs a deploy role, CI roles and a CI environment that deploys it`);
    const { roles, environment } = account;
    // Refuses to run with any other account's credentials: these roles belong where the stage's deploy role is.
    new AwsProvider(this, "aws", { region: stage.region, allowedAccountIds: [roles.account], defaultTags: [{ tags: { App: APP_NAME, Stage: stage.name, ManagedBy: "cdktf" } }] });
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    // The CI roles' ARNs, the CI stack's outputs: checked to be exactly the roles of that name, in any account.
    const ciRole = (variableId: string, roleName: string, output: string) =>
      new TerraformVariable(this, variableId, {
        type: "string",
        description: `ARN of the CI role ${roleName}: output ${output} of the stack ${CI_STACK_NAME}`,
        validation: [
          {
            condition: `\${can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/${roleName}$", var.${variableId}))}`,
            errorMessage: `Expected the ARN of the role ${roleName}: output ${output} of the stack ${CI_STACK_NAME}.`,
          },
        ],
      });
    this.variables = {
      ciPlanRoleArn: ciRole("ci_plan_role_arn", CI_ROLE_NAMES.plan, CI_ROLE_OUTPUTS.Plan),
      ciDeployRoleArn: ciRole("ci_deploy_role_arn", CI_ROLE_NAMES[environment], ENVIRONMENT_ROLE_OUTPUTS[environment]),
    };
    const where = { accountId: roles.account, regions: [stage.region], stage: stage.name, accountRoles: [roles.plan, roles.deploy] };
    this.boundary = new IamPolicy(this, "Boundary", {
      name: CI_BOUNDARY_NAME,
      description: `Permissions boundary of every role the api-auth-cognito pipelines create for the stage ${stage.name}`,
      policy: Fn.jsonencode(policyDocument(boundaryStatements({ ...where, stateBucket: "-" }))),
    });
    const roleName = (arn: string) => arn.slice(arn.indexOf(":role/") + ":role/".length);
    this.planRole = new CrossAccountRole(this, "PlanRole", {
      roleName: roleName(roles.plan),
      trustedRoleArns: [this.variables.ciPlanRoleArn.stringValue],
      policy: policyDocument(stageAccountPlanStatements(where)),
    });
    this.deployRole = new CrossAccountRole(this, "DeployRole", {
      roleName: roleName(roles.deploy),
      trustedRoleArns: [this.variables.ciDeployRoleArn.stringValue],
      policy: policyDocument(stageAccountDeployStatements(where)),
    });
    new TerraformOutput(this, STAGE_ACCOUNT_OUTPUTS.plan, { value: this.planRole.roleArn });
    new TerraformOutput(this, STAGE_ACCOUNT_OUTPUTS.deploy, { value: this.deployRole.roleArn });
    new TerraformOutput(this, "BoundaryPolicyArn", { value: this.boundary.arn });
  }
}

/** The outputs of a {@link StageAccountRolesStack}: the ARNs of its two roles. */
export const STAGE_ACCOUNT_OUTPUTS = { plan: "PlanRoleArn", deploy: "DeployRoleArn" } as const;

/** The CI stack's output of each environment's role. */
const ENVIRONMENT_ROLE_OUTPUTS: Readonly<Record<DeployEnvironment, string>> = { preview: CI_ROLE_OUTPUTS.Preview, dev: CI_ROLE_OUTPUTS.Dev, prod: CI_ROLE_OUTPUTS.Prod };
