import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APP_NAME, readCdktfJson, resolveSettings, SETTING_SOURCES, STATE_STACK_NAME } from "../../app/contract";
import { assertRegion } from "../../constructs/validation";
import { step } from "../cli/terminal";
import { awsProviderOverride } from "./provider-override";
import { prepareStack } from "./stack-workdir";
import { synthesize } from "./synthesize";
import { terraform, terraformInit } from "./terraform";
import { PROJECT_ROOT, WORK_ROOT } from "../shared/paths";

/**
 * `npm run bootstrap`: the state bucket of an account, with a name no other account holds. S3 bucket names are
 * global, so a fixed default would be taken by the first user of this project; the account id and region make it
 * unique: `api-auth-cognito-state-<account>-<region>`. The bucket is the state stack's (`api-auth-cognito-state`,
 * with its local state file in the project root, as `npx cdktf deploy api-auth-cognito-state` keeps it), and its
 * name and region are recorded in cdktf.json's context once it exists, so every later synth and deploy uses it.
 */

/** Options of {@link bootstrap}. */
export interface BootstrapOptions {
  /** The project whose cdktf.json is read and written. @default this project */
  readonly projectRoot?: string;
  /** Region of the bucket. @default the `stateRegion` setting */
  readonly region?: string;
  /** Where AWS calls go: an emulator's endpoint (`AWS_ENDPOINT_URL`). @default AWS */
  readonly endpoint?: string;
  /** Credentials for the calls. @default the AWS SDK's default chain (environment, profile, SSO, instance role) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Where the state stack is synthesized and Terraform's working copy of it goes. @default .tfwork/bootstrap */
  readonly workdir?: string;
}

/** What {@link bootstrap} did. */
export interface BootstrapResult {
  readonly accountId: string;
  readonly bucket: string;
  readonly region: string;
  /** Whether cdktf.json changed (false when it named this bucket already). */
  readonly recorded: boolean;
}

/** The state bucket's name for an account and region: `api-auth-cognito-state-<account>-<region>`. */
export function stateBucketName(accountId: string, region: string): string {
  return `${APP_NAME}-state-${accountId}-${region}`;
}

/** The bucket to bootstrap: the configured one, unless it is the default, which gives way to {@link stateBucketName}. */
export function bucketToBootstrap(configured: string, accountId: string, region: string): string {
  return configured === SETTING_SOURCES.stateBucket.default ? stateBucketName(accountId, region) : configured;
}

/**
 * Creates (or updates) the state bucket of the caller's account and records it in cdktf.json. A bucket set by the
 * user (`stateBucket` in context or the environment) is kept; only the default is replaced by the derived name.
 * cdktf.json is written last, and only when the bucket exists.
 */
export async function bootstrap(options: BootstrapOptions = {}): Promise<BootstrapResult> {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const cdktfJson = join(root, "cdktf.json");
  const project = readCdktfJson(cdktfJson);
  const settings = resolveSettings((key) => project.context[key]);
  const region = options.region ?? settings.stateRegion;
  assertRegion(region, "state region");
  const accountId = await callerAccount(region, options);
  const bucket = bucketToBootstrap(settings.stateBucket, accountId, region);
  step(`state bucket ${bucket} in ${region}, account ${accountId}${bucket === settings.stateBucket ? " (as configured)" : ""}`);

  const work = options.workdir ?? join(WORK_ROOT, "bootstrap");
  const env = { [SETTING_SOURCES.stateBucket.env]: bucket, [SETTING_SOURCES.stateRegion.env]: region };
  const stack = synthesize(join(work, "synth"), { projectRoot: root, env }).find((s) => s.name === STATE_STACK_NAME);
  if (!stack) throw new Error(`the synth wrote no ${STATE_STACK_NAME} stack`);
  // The state file stays where `npx cdktf deploy api-auth-cognito-state` keeps it, in the project root.
  const backend = { local: { path: join(root, `terraform.${STATE_STACK_NAME}.tfstate`) } };
  const emulator = options.endpoint ? awsProviderOverride(options.endpoint, options.credentials?.accessKeyId ?? "test", false) : undefined;
  const { dir } = await prepareStack(stack.dir, join(work, STATE_STACK_NAME), { terraform: { backend }, ...(emulator && { provider: emulator.provider }) }, emulator?.env);
  const commands = [
    ["init", () => terraformInit(["-input=false", "-reconfigure"], dir)],
    ["apply", () => terraform(["apply", "-auto-approve", "-input=false"], dir)],
  ] as const;
  for (const [command, run] of commands) {
    step(`terraform ${command}: ${STATE_STACK_NAME}`);
    const result = await run();
    if (result.code !== 0) throw new Error(bootstrapFailure(command, bucket, result.stderr || result.stdout));
  }

  const { context } = project;
  const recorded = context.stateBucket !== bucket || context.stateRegion !== region;
  if (recorded) {
    const partial = `${cdktfJson}.${process.pid}`;
    writeFileSync(partial, `${JSON.stringify({ ...project, context: { ...context, stateBucket: bucket, stateRegion: region } }, null, 2)}\n`);
    renameSync(partial, cdktfJson);
  }
  return { accountId, bucket, region, recorded };
}

/** The account of the credentials, from STS GetCallerIdentity; no credentials is one line saying what to do. */
async function callerAccount(region: string, options: BootstrapOptions): Promise<string> {
  const { GetCallerIdentityCommand, STSClient } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({ region, ...(options.endpoint && { endpoint: options.endpoint }), ...(options.credentials && { credentials: options.credentials }) });
  try {
    const { Account } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Account) throw new Error("STS GetCallerIdentity answered without an account");
    return Account;
  } catch (error) {
    const { name, message } = error as Error;
    throw new Error(`cannot tell which AWS account to bootstrap (STS GetCallerIdentity: ${name}: ${message}); sign in first (AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`);
  }
}

/** One line for a failed init or apply, with what to do for the failures a first bootstrap meets. */
function bootstrapFailure(command: string, bucket: string, output: string): string {
  const error = /Error: (.*)/.exec(output)?.[1] ?? output.trim().split("\n").pop() ?? "";
  const hint = /BucketAlreadyExists/.test(output)
    ? `: the name is taken by another account; set another with API_AUTH_COGNITO_STATE_BUCKET or cdktf.json context "stateBucket"`
    : /AccessDenied|403/.test(output)
      ? ": the credentials may not create or configure the bucket; bootstrap with an administrator of the account"
      : "";
  return `terraform ${command} of the state bucket ${bucket} failed: ${error}${hint}; cdktf.json is unchanged`;
}
