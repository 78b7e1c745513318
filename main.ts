import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, AssetType, Fn, LocalBackend, S3Backend, TerraformAsset, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import {
  boundaryPolicyArn, boundaryStatements, CI_BOUNDARY_NAME, CI_DEPLOY_ENVIRONMENTS, CI_PLAN_SUBJECTS, CI_ROLE_NAMES, deployStatements, DeployEnvironment, environmentOf,
  ENVIRONMENT_STAGES, planStatements, policyDocument, stageAccountDeployStatements, stageAccountPlanStatements,
} from "./ci-permissions";
import {
  APP_NAME, CI_STACK_NAME, contextFromEnvironment, isPlaceholderBucket, readCdktfJson, ResolvedStage, resolveSettings, Settings, StageAccountRoles, stageAccountRoles,
  stageAccountStackName, stackName, STATE_STACK_NAME, UNBOOTSTRAPPED_BACKEND_BUCKET,
} from "./config";
import { CognitoAuth } from "./constructs/cognito-auth";
import { CrossAccountRole } from "./constructs/cross-account-role";
import { GithubActionsRoles } from "./constructs/github-actions-roles";
import { HttpApi } from "./constructs/http-api";
import { physicalName, regionCode } from "./constructs/naming";
import { NodejsFunction } from "./constructs/nodejs-function";
import { StateBucket } from "./constructs/state-bucket";
import { oneLine, quoted, ValidationError } from "./constructs/validation";
import { LOCAL_CLOUD_PROFILE, LOCAL_CREDENTIALS, localAwsProvider, localCloudConfig, localS3Backend } from "./local-cloud-target";
import { ManifestFunction, OUTPUT_NAMES, STAGE_MANIFEST_FILE, StageManifest } from "./stage-manifest";
import { publishSynth, removeAbandonedSynths, stagingFolder, writeFailure } from "./synth-output";

/** Properties of an {@link ApiAuthCognitoStack}. */
export interface ApiAuthCognitoStackProps {
  readonly stage: ResolvedStage;
  readonly settings: Settings;
}

/**
 * One stage of the app: the system of the SST guide "How to add Cognito authentication to a serverless API".
 * `GET /public` is open; `GET /private` needs a SigV4 signature from a signed-in user's identity-pool credentials.
 */
export class ApiAuthCognitoStack extends TerraformStack {
  readonly auth: CognitoAuth;
  readonly api: HttpApi;
  /** What the tools need to know about this stage; written beside the stack at synth. */
  readonly manifest: StageManifest;

  constructor(scope: Construct, id: string, { stage, settings }: ApiAuthCognitoStackProps) {
    super(scope, id);
    const name = (logicalName?: string) => physicalName(APP_NAME, stage.name, logicalName);
    // IAM names are global to an account: the region code keeps the same stage in two regions apart.
    const roleName = (logicalName?: string) => physicalName(APP_NAME, `${stage.name}-${regionCode(stage.region)}`, logicalName);

    // The same stack for the local cloud, only its provider and state pointed there, so the AWS stack stays as it was:
    // the provider reads the local cloud's endpoint from a config file the stack carries (an asset beside it).
    const local = settings.target === "local";
    // A stage's deploy role (another account's, say) is assumed for every call; the local cloud has one account. The
    // role is a variable, the deploy role by default: remote plans pass the stage's read-only role (tools/terraform/plan.ts),
    // so one synthesized stack serves both, and the CI plan role may assume only the read-only one.
    const account = local ? undefined : stageAccountOf(stage, settings);
    const roleVariable = stage.deployRoleArn && !local ? stageRoleVariable(this, stage.deployRoleArn, account?.roles.plan) : undefined;
    const provider = new AwsProvider(this, "aws", {
      region: stage.region,
      defaultTags: [{ tags: { App: APP_NAME, Stage: stage.name, ManagedBy: "cdktf" } }],
      ...(roleVariable && { assumeRole: [{ roleArn: roleVariable.stringValue, sessionName: name() }] }),
      ...(local && { profile: LOCAL_CLOUD_PROFILE, sharedConfigFiles: [localCloudConfigAsset(this, settings.localEndpoint).path] }),
    });
    new ArchiveProvider(this, "archive");
    const stageStateKey = stateKey(stage);
    const backend = stateBackend(this, settings, stageStateKey);
    if (local) {
      for (const [key, value] of Object.entries(localAwsProvider(LOCAL_CREDENTIALS.accessKeyId, false))) provider.addOverride(key, value);
      for (const [key, value] of Object.entries(localS3Backend(settings.localEndpoint, stageStateKey))) backend.addOverride(key, value);
    }

    // With CI roles, every role of the stage carries their permissions boundary: the deploy roles may create no other.
    // A stage in another account is deployed through its own deploy role there, which requires the boundary its
    // account stack creates there; without an account stack (no CI roles, or no environment deploys it), none.
    const permissionsBoundary = account
      ? boundaryPolicyArn(account.roles.account)
      : !local && settings.githubRepository !== "" && !stage.deployRoleArn
        ? boundaryPolicyArn(new DataAwsCallerIdentity(this, "Account").accountId)
        : undefined;

    // deletionProtection also turns on prevent_destroy of both pools: a destroy of prod fails before it deletes anything.
    this.auth = new CognitoAuth(this, "Auth", {
      namePrefix: name(),
      roleNamePrefix: roleName(),
      deletionProtection: stage.deletionProtection,
      email: stage.email,
      permissionsBoundary,
    });

    // A function for lambdas/<handler>.ts, named <app>-<stage>-<handler>, recorded for the manifest.
    const functions = new Map<NodejsFunction, ManifestFunction>();
    const fn = (handler: string, id: string) => {
      const entry = join(__dirname, "lambdas", `${handler}.ts`);
      const functionName = name(handler);
      const created = new NodejsFunction(this, id, { entry, functionName, roleName: roleName(handler), logRetentionInDays: stage.logRetentionInDays, permissionsBoundary });
      functions.set(created, { name: functionName, entry: relative(__dirname, entry), bundle: created.resources.asset.path });
      return created;
    };
    const routes = {
      "GET /private": { function: fn("private", "PrivateFunction"), authorizationType: "AWS_IAM" },
      "GET /public": { function: fn("public", "PublicFunction"), authorizationType: "NONE" },
    } as const;
    const apiName = name("api");
    this.api = new HttpApi(this, "Api", { name: apiName, accessLogRetentionInDays: stage.logRetentionInDays, routes });
    this.auth.attachPermissionsForAuthUsers(this.api);

    new TerraformOutput(this, OUTPUT_NAMES.apiEndpoint, { value: this.api.url });
    new TerraformOutput(this, OUTPUT_NAMES.apiId, { value: this.api.apiId });
    new TerraformOutput(this, OUTPUT_NAMES.userPoolId, { value: this.auth.userPoolId });
    new TerraformOutput(this, OUTPUT_NAMES.identityPoolId, { value: this.auth.identityPoolId });
    new TerraformOutput(this, OUTPUT_NAMES.userPoolClientId, { value: this.auth.userPoolClientId });
    new TerraformOutput(this, OUTPUT_NAMES.region, { value: stage.region });

    this.manifest = {
      app: APP_NAME,
      stage: stage.name,
      stack: id,
      region: stage.region,
      outputs: OUTPUT_NAMES,
      functions: [...functions.values()],
      api: {
        name: apiName,
        routes: Object.fromEntries(
          Object.entries(routes).map(([key, route]) => [key, { authorizationType: route.authorizationType, function: functions.get(route.function)!.name }]),
        ),
      },
      ...(roleVariable && { roles: { variable: STAGE_ROLE_VARIABLE, deploy: stage.deployRoleArn!, ...(account && { plan: account.roles.plan }) } }),
    };
  }
}

/**
 * The bucket that holds every stage's state, in a stack of its own with local state: apply it once per account,
 * before the first stage (`npx cdktf deploy api-auth-cognito-state`).
 */
export class StateStack extends TerraformStack {
  readonly bucket: StateBucket;

  constructor(scope: Construct, id: string, settings: Settings) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: settings.stateRegion,
      defaultTags: [{ tags: { App: APP_NAME, ManagedBy: "cdktf" } }],
    });
    // Terraform runs in cdktf.out/stacks/<stack>/: this keeps the state file in the project root, by a relative path
    // (cdktf's default is absolute, which would tie cdktf.out to this checkout).
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    this.bucket = new StateBucket(this, "StateBucket", { bucketName: settings.stateBucket });
    new TerraformOutput(this, "StateBucketName", { value: this.bucket.bucketName });
  }
}

/**
 * The roles GitHub Actions assumes to plan and to deploy the stages (ci-permissions.ts), in a stack of its own:
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
    // The most any role a pipeline creates may do: the deploy roles create roles only with it (ci-permissions.ts).
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

/** The Terraform variable of a stage in another account: the role its provider assumes. */
export const STAGE_ROLE_VARIABLE = "stage_role_arn";

/**
 * The variable {@link STAGE_ROLE_VARIABLE} of `stack`: the deploy role by default, or the stage's read-only role, and
 * nothing else (a Terraform validation), so a `-var` cannot point the stage at an arbitrary role.
 */
function stageRoleVariable(stack: TerraformStack, deployRoleArn: string, planRoleArn: string | undefined): TerraformVariable {
  const allowed = [deployRoleArn, ...(planRoleArn ? [planRoleArn] : [])];
  return new TerraformVariable(stack, STAGE_ROLE_VARIABLE, {
    type: "string",
    default: deployRoleArn,
    description: "ARN of the role the AWS provider assumes: the stage's deploy role, or its read-only plan role for plans",
    validation: [
      {
        condition: `\${contains(${JSON.stringify(allowed)}, var.${STAGE_ROLE_VARIABLE})}`,
        errorMessage: `Expected one of the stage's roles: ${allowed.join(", ")}.`,
      },
    ],
  });
}

/**
 * The account roles of `stage` and the CI environment whose role deploys it, when it has an account stack: a deploy
 * role, CI roles configured, an environment that deploys it, the AWS target. Throws a {@link ValidationError} when the
 * deploy role is not the one that stack creates.
 */
function stageAccountOf(stage: ResolvedStage, settings: Settings): { roles: StageAccountRoles; environment: DeployEnvironment } | undefined {
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
function planRoleArns(settings: Settings): string[] {
  return settings.stages.flatMap((stage) => {
    const account = stageAccountOf(stage, settings);
    return account ? [account.roles.plan] : [];
  });
}

/**
 * A stack's S3 backend in the state bucket, with S3-native locking (cdktf 0.21's S3Backend has no option for it). While
 * the bucket is the placeholder default, its `bucket` is a stand-in `terraform init` refuses (config.ts): a synth still
 * works offline, but nothing reads or writes state in a bucket anyone could own.
 */
function stateBackend(stack: TerraformStack, settings: Settings, key: string): S3Backend {
  const backend = new S3Backend(stack, { bucket: settings.stateBucket, key, region: settings.stateRegion, encrypt: true });
  backend.addOverride("use_lockfile", true);
  if (settings.target === "aws" && isPlaceholderBucket(settings.stateBucket)) backend.addOverride("bucket", UNBOOTSTRAPPED_BACKEND_BUCKET);
  return backend;
}

/**
 * Where a stage's state lives in the state bucket: `api-auth-cognito/<stage>/<region>/terraform.tfstate`, so that
 * the same stage in two regions has two states (0.1.0 had no region in it; MIGRATING.md moves such a state).
 */
export function stateKey(stage: Pick<ResolvedStage, "name" | "region">): string {
  return `${APP_NAME}/${stage.name}/${stage.region}/terraform.tfstate`;
}

export { CI_STACK_NAME, stackName, STATE_STACK_NAME };

/**
 * The local cloud's AWS config file (local-cloud-target.ts) as an asset of `stack`: written into the app's output
 * folder, copied beside the stack, and named by a path relative to it, as Terraform runs there.
 */
function localCloudConfigAsset(stack: TerraformStack, endpoint: string): TerraformAsset {
  const dir = join(App.of(stack).outdir, "local-cloud");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "aws-config");
  writeFileSync(file, localCloudConfig(endpoint));
  return new TerraformAsset(stack, "LocalCloudConfig", { path: file, type: AssetType.FILE });
}

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

if (require.main === module) {
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const staging = stagingFolder(outdir);
  try {
    // cdktf passes only an object context on, and ignores any other: check the file it came from as well.
    if (existsSync("cdktf.json")) readCdktfJson(resolve("cdktf.json"));
    contextFromEnvironment();
    removeAbandonedSynths(outdir);
    const app = buildApp(new App({ outdir: staging }));
    app.synth();
    writeStageManifests(app);
    publishSynth(staging, outdir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Bad input is the user's to fix, a full disk the machine's: one line, no stack trace, and cdktf.out is left as it was.
    const line = error instanceof ValidationError ? error.message : writeFailure(error, outdir);
    if (line === undefined) throw error;
    console.error(`Error: ${oneLine(line)}`);
    process.exit(1);
  }
}
