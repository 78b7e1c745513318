import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { GithubActionsRoles } from "../../constructs/github-actions-roles";
import { boundaryStatements, CI_BOUNDARY_NAME, CI_DEPLOY_ENVIRONMENTS, CI_PLAN_SUBJECTS, CI_ROLE_NAMES, deployStatements, environmentOf, ENVIRONMENT_STAGES, planStatements, policyDocument } from "../ci-permissions";
import { APP_NAME, Settings } from "../config";
import { planRoleArns } from "./stage-account";
import { stateBackend } from "./state-backend";

/**
 * The roles GitHub Actions assumes to plan and to deploy the stages (app/ci-permissions.ts), in a stack of its own:
 * apply it once per account with administrator credentials, after the state stack
 * (`npx cdktf deploy api-auth-cognito-ci`). Its state is in the state bucket, outside the stages' keys, where
 * neither role can write it.
 */
export class CiRolesStack extends TerraformStack {
  readonly roles: GithubActionsRoles;
  /** The permissions boundary of every role the pipelines create. */
  readonly boundary: IamPolicy;

  constructor(scope: Construct, id: string, settings: Settings) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: settings.stateRegion, defaultTags: [{ tags: { App: APP_NAME, ManagedBy: "cdktf" } }] });
    stateBackend(this, settings, `ci/${APP_NAME}/terraform.tfstate`);
    const permissions = {
      accountId: new DataAwsCallerIdentity(this, "Account").accountId,
      regions: [...new Set([settings.region, ...settings.stages.map((stage) => stage.region)])],
      stateBucket: settings.stateBucket,
    };
    // The most any role a pipeline creates may do: the deploy roles create roles only with it (app/ci-permissions.ts).
    this.boundary = new IamPolicy(this, "Boundary", {
      name: CI_BOUNDARY_NAME,
      description: "Permissions boundary of every role the api-auth-cognito pipelines create",
      policy: Fn.jsonencode(policyDocument(boundaryStatements(permissions))),
    });
    const deployRole = (environment: (typeof CI_DEPLOY_ENVIRONMENTS)[number]) => {
      const stages = ENVIRONMENT_STAGES[environment];
      // A stage in another account is deployed through its own role there: only its environment's role may assume it.
      const stageRoleArns = settings.stages.flatMap((stage) => (stage.deployRoleArn && environmentOf(stage.name) === environment ? [stage.deployRoleArn] : []));
      return {
        roleName: CI_ROLE_NAMES[environment],
        subjects: [`environment:${environment}`],
        policy: policyDocument(deployStatements({ ...permissions, stages, stageRoleArns })),
      };
    };
    this.roles = new GithubActionsRoles(this, "GithubActions", {
      repository: settings.githubRepository,
      existingProviderArn: settings.githubOidcProviderArn || undefined,
      roles: {
        // Stages in other accounts are planned through their read-only roles there: exact ARNs, never a deploy role.
        Plan: { roleName: CI_ROLE_NAMES.plan, subjects: CI_PLAN_SUBJECTS, policy: policyDocument(planStatements({ ...permissions, stageRoleArns: planRoleArns(settings) })) },
        Preview: deployRole("preview"),
        Dev: deployRole("dev"),
        Prod: deployRole("prod"),
      },
    });
    for (const [id, output] of Object.entries(CI_ROLE_OUTPUTS)) new TerraformOutput(this, output, { value: this.roles.resources.roles[id].role.arn });
    new TerraformOutput(this, "BoundaryPolicyArn", { value: this.boundary.arn });
  }
}

/** The CI stack's outputs: the ARN of each role, by the role's construct id. The workflows read them. */
export const CI_ROLE_OUTPUTS = { Plan: "PlanRoleArn", Preview: "PreviewRoleArn", Dev: "DevRoleArn", Prod: "ProdRoleArn" } as const;
