import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, AssetType, TerraformAsset, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { CognitoAuth } from "../../constructs/cognito-auth";
import { HttpApi } from "../../constructs/http-api";
import { physicalName, regionCode } from "../../constructs/naming";
import { NodejsFunction } from "../../constructs/nodejs-function";
import { boundaryPolicyArn } from "../ci-permissions";
import { APP_NAME, ResolvedStage, Settings } from "../config";
import { LOCAL_CLOUD_PROFILE, LOCAL_CREDENTIALS, localAwsProvider, localCloudConfig, localS3Backend } from "../contract/local-target";
import { ManifestFunction, OUTPUT_NAMES, StageManifest } from "../contract/stage-manifest";
import { stageAccountOf } from "./stage-account";
import { stateBackend, stateKey } from "./state-backend";

/** The project root, which the stage manifest names the handlers' files relative to: this file is app/stacks/stage-stack.ts. */
const PROJECT_ROOT = join(__dirname, "..", "..");

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
      const entry = join(PROJECT_ROOT, "lambdas", `${handler}.ts`);
      const functionName = name(handler);
      const runtime = stage.lambdaRuntime;
      const created = new NodejsFunction(this, id, { entry, functionName, runtime, roleName: roleName(handler), logRetentionInDays: stage.logRetentionInDays, permissionsBoundary });
      functions.set(created, { name: functionName, entry: relative(PROJECT_ROOT, entry), bundle: created.resources.asset.path, runtime });
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
 * The local cloud's AWS config file (contract/local-target.ts) as an asset of `stack`: written into the app's output
 * folder, copied beside the stack, and named by a path relative to it, as Terraform runs there.
 */
function localCloudConfigAsset(stack: TerraformStack, endpoint: string): TerraformAsset {
  const dir = join(App.of(stack).outdir, "local-cloud");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "aws-config");
  writeFileSync(file, localCloudConfig(endpoint));
  return new TerraformAsset(stack, "LocalCloudConfig", { path: file, type: AssetType.FILE });
}
