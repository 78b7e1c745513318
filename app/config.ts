import { readFileSync } from "node:fs";
import { assertGithubRepository } from "../constructs/github-actions-roles";
import { MAX_NAME_PREFIX_LENGTH, MAX_REGION_CODE_LENGTH, physicalName } from "../constructs/naming";
import { isNodejsRuntime, NODEJS_RUNTIME, NODEJS_RUNTIMES, NodejsRuntime } from "../constructs/runtime";
import { assertIdentityServes, assertSenderOfIdentity, senderAddress, UserPoolEmail } from "../constructs/user-pool-email";
import { assertBucketName, assertRegion, oneLine, quoted, ValidationError } from "../constructs/validation";
import { cloudPort, DEFAULT_CLOUD_PORT } from "./contract/ports";

/** Name of the app: the first part of every stack and physical name. */
export const APP_NAME = "api-auth-cognito";

/** The bucket that holds the state of deployments to the local cloud (in the emulator's S3, never on AWS). */
export const LOCAL_STATE_BUCKET = physicalName(APP_NAME, "local", "state");

/** What differs between stages. */
export interface StageConfig {
  /** Stage name: part of the stack name and of every physical name. */
  readonly name: string;
  /** Refuse to delete the user pool, and with it every user account. */
  readonly deletionProtection: boolean;
  /** Days CloudWatch keeps the functions' logs. */
  readonly logRetentionInDays: number;
  /** For a stage not in {@link STAGES} (a personal or preview stage): the stage of STAGES it took its settings from. */
  readonly base?: string;
  /** Region the stage deploys to. @default the `region` setting */
  readonly region?: string;
  /**
   * ARN of an IAM role the stage's AWS provider assumes for every call (its `assume_role`), such as a deploy role
   * in prod's own account. The state stays in the state bucket, reached with the caller's own credentials.
   * @default none: the caller's credentials
   */
  readonly deployRoleArn?: string;
  /**
   * The user pool's email sender through your SES identity (`CognitoAuth`'s `email`). Set it for any stage whose
   * users get real mail: Cognito's own sender sends at most 50 messages a day for the whole account.
   * @default Cognito's own sender (`COGNITO_DEFAULT`)
   */
  readonly email?: UserPoolEmail;
  /** The Lambda runtime of the stage's functions. @default the `lambdaRuntime` setting */
  readonly lambdaRuntime?: NodejsRuntime;
}

/** A stage as the app builds it: its settings with its region and runtime resolved. */
export interface ResolvedStage extends StageConfig {
  readonly region: string;
  readonly lambdaRuntime: NodejsRuntime;
}

/** The stages, one stack each. Prod keeps its users and its logs. */
export const STAGES: readonly StageConfig[] = [
  { name: "dev", deletionProtection: false, logRetentionInDays: 14 },
  { name: "prod", deletionProtection: true, logRetentionInDays: 365 },
];

/** Where the stacks deploy: AWS, or the local cloud of `npm run local:up` / `npm run dev`. */
export const TARGETS = ["aws", "local"] as const;

/** A value of {@link TARGETS}. */
export type Target = (typeof TARGETS)[number];

/** Settings shared by every stage, read from the environment or cdktf.json's `context`. */
export interface Settings {
  /** The stages to synthesize: those of {@link STAGES} by their name, any other valid name with the base stage's settings. */
  readonly stages: readonly ResolvedStage[];
  /** The stage of {@link STAGES} whose settings a stage not listed there takes. */
  readonly baseStage: string;
  /** Region the stages deploy to, unless a stage sets its own. */
  readonly region: string;
  /**
   * The Lambda runtime of every function, unless a stage sets its own: one of `NODEJS_RUNTIMES`. The bindings' AWS
   * provider must accept it (`nodejs24.x`: 6.19.0 or newer); the synth refuses it otherwise.
   */
  readonly lambdaRuntime: NodejsRuntime;
  /** S3 bucket that holds every stage's Terraform state. */
  readonly stateBucket: string;
  /** Region of the state bucket. */
  readonly stateRegion: string;
  /** `local` points every stage's provider and state at the local cloud at {@link Settings.localEndpoint}. */
  readonly target: Target;
  /** The local cloud's endpoint, used when {@link Settings.target} is `local`. */
  readonly localEndpoint: string;
  /** `owner/name` of the GitHub repository whose workflows may assume the CI roles; empty: no CI roles stack. */
  readonly githubRepository: string;
  /** ARN of the account's existing GitHub OIDC identity provider; empty: the CI roles stack creates it. */
  readonly githubOidcProviderArn: string;
}

/** Where each setting comes from: an environment variable first, then a cdktf.json context key, then a default. */
export const SETTING_SOURCES: { readonly [K in keyof Settings]: { readonly env: string; readonly context: string; readonly default: string } } = {
  stages: { env: "API_AUTH_COGNITO_STAGES", context: "stages", default: STAGES.map((stage) => stage.name).join(",") },
  baseStage: { env: "API_AUTH_COGNITO_BASE_STAGE", context: "baseStage", default: "dev" },
  region: { env: "API_AUTH_COGNITO_REGION", context: "region", default: "us-east-1" },
  lambdaRuntime: { env: "API_AUTH_COGNITO_LAMBDA_RUNTIME", context: "lambdaRuntime", default: NODEJS_RUNTIME },
  stateBucket: { env: "API_AUTH_COGNITO_STATE_BUCKET", context: "stateBucket", default: "api-auth-cognito-terraform-state" },
  stateRegion: { env: "API_AUTH_COGNITO_STATE_REGION", context: "stateRegion", default: "us-east-1" },
  target: { env: "API_AUTH_COGNITO_TARGET", context: "target", default: "aws" },
  // The default follows API_AUTH_COGNITO_CLOUD_PORT, the port the local cloud itself listens on.
  localEndpoint: { env: "API_AUTH_COGNITO_LOCAL_ENDPOINT", context: "localEndpoint", default: `http://127.0.0.1:${DEFAULT_CLOUD_PORT}` },
  githubRepository: { env: "API_AUTH_COGNITO_GITHUB_REPOSITORY", context: "githubRepository", default: "" },
  githubOidcProviderArn: { env: "API_AUTH_COGNITO_GITHUB_OIDC_PROVIDER", context: "githubOidcProvider", default: "" },
};

/**
 * The S3 backend's `bucket` while the state bucket is still the placeholder default: not a string, so `terraform init`
 * (and with it `cdktf deploy`, `diff` and `destroy`) stops on its configuration, offline, before any request to S3, and
 * the line it quotes says what to do. The placeholder is a global S3 name anyone can own: no state may go there.
 */
export const UNBOOTSTRAPPED_BACKEND_BUCKET = ["no state bucket yet: run npm run bootstrap, which creates one for the account"];

/** Whether `bucket` (a synthesized backend's) is the placeholder: the default `stateBucket`, or its stand-in above. */
export function isPlaceholderBucket(bucket: unknown): boolean {
  return bucket === SETTING_SOURCES.stateBucket.default || typeof bucket !== "string";
}

/** Throws a {@link ValidationError} when `bucket` is the placeholder ({@link isPlaceholderBucket}): for the tools, before Terraform starts. */
export function assertStateBucketBootstrapped(bucket: unknown): void {
  if (!isPlaceholderBucket(bucket)) return;
  throw new ValidationError(
    `no state bucket yet: the default ${quoted(SETTING_SOURCES.stateBucket.default)} is a placeholder, a global S3 name anyone can own; run npm run bootstrap (or set ${SETTING_SOURCES.stateBucket.env}) before a plan or deploy against AWS`,
  );
}

/**
 * The settings a stage may set for itself, besides app/config.ts: `API_AUTH_COGNITO_<SETTING>_<STAGE>` (the stage's name
 * in upper case, hyphens as underscores: `API_AUTH_COGNITO_REGION_PR_42`), then the context key `<setting>.<stage>`
 * (`region.prod`), then the stage's own value in app/config.ts.
 */
export const STAGE_SETTING_SOURCES = {
  region: { env: "API_AUTH_COGNITO_REGION_", context: "region." },
  lambdaRuntime: { env: "API_AUTH_COGNITO_LAMBDA_RUNTIME_", context: "lambdaRuntime." },
  deployRoleArn: { env: "API_AUTH_COGNITO_DEPLOY_ROLE_", context: "deployRole." },
  sesIdentityArn: { env: "API_AUTH_COGNITO_SES_IDENTITY_", context: "sesIdentity." },
  emailFrom: { env: "API_AUTH_COGNITO_EMAIL_FROM_", context: "emailFrom." },
} as const;

/** The environment variable and context key of a stage's own `setting`. */
export function stageSettingSource(setting: keyof typeof STAGE_SETTING_SOURCES, stage: string): { env: string; context: string } {
  const { env, context } = STAGE_SETTING_SOURCES[setting];
  return { env: `${env}${stage.toUpperCase().replace(/-/g, "_")}`, context: `${context}${stage}` };
}

/** cdktf.json as the app and the tools read it: the command that runs the app, the context (settings), and the rest as it is. */
export interface CdktfJson {
  readonly [key: string]: unknown;
  readonly app: string;
  readonly context: Readonly<Record<string, unknown>>;
}

/** Throws a {@link ValidationError} unless `value` is a JSON object (what cdktf.json's `context` must be). */
function assertContextObject(value: unknown, where: string): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(`invalid ${where}: ${quoted(value)} is not an object; expected an object of settings such as {"region": "eu-west-1"}`);
  }
}

/** `text` parsed as JSON; throws a {@link ValidationError} naming `where` and the parser's one-line reason. */
function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${where} is not valid JSON: ${oneLine((error as Error).message)}`);
  }
}

/** The project's cdktf.json at `file`, checked: `app` a command, `context` (when set) an object. */
export function readCdktfJson(file: string): CdktfJson {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ValidationError(`cannot read ${file}: ${oneLine((error as Error).message)}`);
  }
  const project = parseJson(text, file);
  assertContextObject(project, file);
  const { app, context = {} } = project;
  if (typeof app !== "string" || app.trim() === "") throw new ValidationError(`invalid "app" in ${file}: ${quoted(app)}; expected the command that runs the app`);
  assertContextObject(context, `"context" in ${file}`);
  return { ...project, app, context };
}

/**
 * The context cdktf passes the app in `CDKTF_CONTEXT_JSON` (cdktf.json's `context`), checked before cdktf's `App`
 * reads it: cdktf would crash with a stack trace on bad JSON or `null`, and silently ignore a string or a list.
 */
export function contextFromEnvironment(env: NodeJS.ProcessEnv = process.env): Readonly<Record<string, unknown>> {
  const json = env[CONTEXT_ENV];
  if (json === undefined || json === "") return {};
  const where = `${CONTEXT_ENV} (cdktf.json's "context", as cdktf passes it to the app)`;
  const context = parseJson(json, where);
  assertContextObject(context, where);
  return context;
}

/** The environment variable in which cdktf passes cdktf.json's context to the app. */
const CONTEXT_ENV = "CDKTF_CONTEXT_JSON";

/**
 * Reads and validates the settings. `context` looks up a cdktf.json context key (`app.node.tryGetContext`).
 * Throws a {@link ValidationError} naming the bad value and where it came from.
 */
export function resolveSettings(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): Settings {
  /** The value of the environment variable `envName`, else of the context key `contextKey`, else `fallback`. */
  const lookup = <T extends string | undefined>(envName: string, contextKey: string, fallback: { value: T; source: string }): { value: string | T; source: string } => {
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: `environment variable ${envName}` };
    const fromContext = context(contextKey);
    if (fromContext === undefined) return fallback;
    if (typeof fromContext !== "string") {
      throw new ValidationError(`invalid cdktf.json context ${quoted(contextKey)}: ${quoted(fromContext)} is not a string`);
    }
    return { value: fromContext, source: `cdktf.json context ${quoted(contextKey)}` };
  };
  const read = (key: keyof Settings) => lookup(SETTING_SOURCES[key].env, SETTING_SOURCES[key].context, { value: SETTING_SOURCES[key].default, source: "default" });
  const stages = read("stages");
  const baseStage = read("baseStage");
  const region = read("region");
  const lambdaRuntime = read("lambdaRuntime");
  const stateBucket = read("stateBucket");
  const stateRegion = read("stateRegion");
  const target = read("target");
  const localEndpoint = read("localEndpoint");
  const githubRepository = read("githubRepository");
  const githubOidcProviderArn = read("githubOidcProviderArn");
  from(baseStage.source, () => assertBaseStage(baseStage.value));
  from(region.source, () => assertRegion(region.value, "region"));
  from(lambdaRuntime.source, () => assertLambdaRuntime(lambdaRuntime.value, "Lambda runtime"));
  const stageConfigs = from(stages.source, () => stagesNamed(stages.value, baseStage.value)).map((stage) => {
    /** The stage's own value of `setting`, checked: from its environment variable, its context key or app/config.ts. */
    const own = (setting: keyof typeof STAGE_SETTING_SOURCES, configured: string | undefined, check: (value: string) => void) => {
      const { env: envName, context: contextKey } = stageSettingSource(setting, stage.name);
      const { value, source } = lookup(envName, contextKey, { value: configured, source: `stage "${stage.name}" in app/config.ts` });
      if (value !== undefined) from(source, () => check(value));
      return value;
    };
    const stageRegion = own("region", stage.region, (value) => assertRegion(value, `region of stage "${stage.name}"`)) ?? region.value;
    const stageRuntime = own("lambdaRuntime", stage.lambdaRuntime, (value) => assertLambdaRuntime(value, `Lambda runtime of stage "${stage.name}"`)) ?? lambdaRuntime.value;
    const deployRoleArn = own("deployRoleArn", stage.deployRoleArn, (value) => assertRoleArn(value, `deploy role of stage "${stage.name}"`));
    // The stage's account is known when a deploy role names it: Cognito sends only with that account's SES identities.
    const email = stageEmail(stage, { region: stageRegion, account: deployRoleArn?.split(":")[4] }, own);
    return { ...stage, region: stageRegion, lambdaRuntime: stageRuntime as NodejsRuntime, ...(deployRoleArn !== undefined && { deployRoleArn }), ...(email && { email }) };
  });
  from(stateBucket.source, () => assertBucketName(stateBucket.value, "state bucket"));
  from(stateRegion.source, () => assertRegion(stateRegion.value, "state region"));
  from(target.source, () => assertTarget(target.value));
  const endpoint = from(localEndpoint.source, () => localEndpointOf(localEndpoint.source === "default" ? `http://127.0.0.1:${cloudPort(env)}` : localEndpoint.value));
  if (githubRepository.value !== "") from(githubRepository.source, () => assertGithubRepository(githubRepository.value));
  if (githubOidcProviderArn.value !== "") from(githubOidcProviderArn.source, () => assertGithubOidcProvider(githubOidcProviderArn.value));
  return {
    stages: stageConfigs,
    baseStage: baseStage.value,
    region: region.value,
    lambdaRuntime: lambdaRuntime.value as NodejsRuntime,
    stateBucket: stateBucket.value,
    stateRegion: stateRegion.value,
    target: target.value as Target,
    localEndpoint: endpoint,
    githubRepository: githubRepository.value,
    githubOidcProviderArn: githubOidcProviderArn.value,
  };
}

/**
 * The longest stage name: every name of a stage must fit, and the longest is its guest role's,
 * `<app>-<stage>-<region code>-unauthenticated` (see naming.ts), within IAM's 64 characters in any region.
 */
export const MAX_STAGE_NAME_LENGTH = MAX_NAME_PREFIX_LENGTH - `${APP_NAME}-`.length - "-".length - MAX_REGION_CODE_LENGTH;

/**
 * The stage named `name`: the one place a stage is looked up by name, for the app and every tool. A stage of
 * {@link STAGES} has its own settings; any other valid name (`pr-42`, `alice`) is a stage of its own with the settings
 * of `base`, so personal and preview stages need no code change. Throws a {@link ValidationError} naming the value
 * and what is allowed.
 */
export function stageNamed(name: string, base: string = SETTING_SOURCES.baseStage.default): StageConfig {
  const listed = STAGES.find((s) => s.name === name);
  if (listed) return listed;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new ValidationError(`invalid stage name ${quoted(name)}: expected lowercase letters, digits and single hyphens, starting with a letter`);
  }
  if (name.length > MAX_STAGE_NAME_LENGTH) {
    throw new ValidationError(
      `invalid stage name ${quoted(name)}: ${name.length} characters, at most ${MAX_STAGE_NAME_LENGTH} (its longest name, ${APP_NAME}-<stage>-<region code>-unauthenticated, must fit IAM's 64 in any region)`,
    );
  }
  if (RESERVED_STAGE_NAMES.includes(name)) {
    throw new ValidationError(`invalid stage name ${quoted(name)}: its stack would be ${APP_NAME}-${name}, the name of the app's own ${name === "ci" ? "CI roles" : "state"} stack; choose another name`);
  }
  if (name.endsWith("-account")) {
    throw new ValidationError(`invalid stage name ${quoted(name)}: its stack would be ${APP_NAME}-${name}, the name of stage "${name.slice(0, -"-account".length)}"'s account roles stack; choose another name`);
  }
  assertBaseStage(base);
  return { ...STAGES.find((s) => s.name === base)!, name, base };
}

/** Names no stage may take: their stacks' names are the app's own stacks (the state bucket's, the CI roles'). */
const RESERVED_STAGE_NAMES = ["state", "ci"];

/** The name of the state bucket's stack. */
export const STATE_STACK_NAME = `${APP_NAME}-state`;

/** The name of the CI roles' stack. */
export const CI_STACK_NAME = `${APP_NAME}-ci`;

/** The roles a stage in another account has there, made by its stack {@link stageAccountStackName}. */
export interface StageAccountRoles {
  /** The stage's account: the account of its deploy role. */
  readonly account: string;
  /** ARN of the read-only role plans of the stage assume there: `<app>-<stage>-plan`. */
  readonly plan: string;
  /** ARN of the role deploys of the stage assume there: `<app>-<stage>-deploy`, what the stage's `deployRoleArn` must name. */
  readonly deploy: string;
}

/**
 * The roles of a stage in another account, in the account and partition of its deploy role (the one place they are
 * named); `undefined` for a stage without a deploy role.
 */
export function stageAccountRoles(stage: Pick<StageConfig, "name" | "deployRoleArn">): StageAccountRoles | undefined {
  if (stage.deployRoleArn === undefined) return undefined;
  const [, partition, , , account] = stage.deployRoleArn.split(":");
  const arn = (logicalName: string) => `arn:${partition}:iam::${account}:role/${physicalName(APP_NAME, stage.name, logicalName)}`;
  return { account, plan: arn("plan"), deploy: arn("deploy") };
}

/** The name of the stack of a stage's own roles in its account: `api-auth-cognito-prod-account`. */
export function stageAccountStackName(stage: Pick<StageConfig, "name">): string {
  return physicalName(APP_NAME, stage.name, "account");
}

/** The stack name of a stage: `api-auth-cognito-dev`. */
export function stackName(stage: Pick<StageConfig, "name">): string {
  return physicalName(APP_NAME, stage.name);
}

/** Throws unless `name` is a stage of {@link STAGES}, which other stages may take their settings from. */
function assertBaseStage(name: string): void {
  if (!STAGES.some((s) => s.name === name)) {
    throw new ValidationError(`invalid base stage ${quoted(name)}: expected one of ${STAGES.map((s) => s.name).join(", ")} (the stages in app/config.ts)`);
  }
}

/** Throws unless `value` is an IAM role ARN, `arn:<partition>:iam::<12-digit account>:role/<path and name>`. */
function assertRoleArn(value: string, what: string): void {
  if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(value)) {
    throw new ValidationError(`invalid ${what} ${quoted(value)}: expected an IAM role ARN such as arn:aws:iam::123456789012:role/deploy`);
  }
}

/**
 * A stage's email sender: its SES identity and sender address, each from the stage's own setting or app/config.ts, both
 * or neither, checked against each other and the stage's region and (when known) account.
 */
function stageEmail(
  stage: StageConfig,
  pool: { readonly region: string; readonly account?: string },
  own: (setting: "sesIdentityArn" | "emailFrom", configured: string | undefined, check: (value: string) => void) => string | undefined,
): UserPoolEmail | undefined {
  const what = `stage "${stage.name}"`;
  const sesIdentityArn = own("sesIdentityArn", stage.email?.sesIdentityArn, (value) => assertIdentityServes(value, pool, what));
  const from = own("emailFrom", stage.email?.from, (value) => senderAddress(value, `email sender of ${what}`));
  if (sesIdentityArn === undefined && from === undefined) return undefined;
  if (sesIdentityArn === undefined || from === undefined) {
    const missing = stageSettingSource(sesIdentityArn === undefined ? "sesIdentityArn" : "emailFrom", stage.name);
    const name = sesIdentityArn === undefined ? "SES identity" : "sender address";
    throw new ValidationError(`the email sender of ${what} has no ${name}: set both or neither (${missing.env}, or context "${missing.context}")`);
  }
  assertSenderOfIdentity(from, sesIdentityArn);
  return { ...stage.email, sesIdentityArn, from };
}

/** Throws unless `value` is the ARN of GitHub's OIDC identity provider in IAM. */
function assertGithubOidcProvider(value: string): void {
  if (!/^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(value)) {
    throw new ValidationError(
      `invalid GitHub OIDC provider ${quoted(value)}: expected arn:aws:iam::<12-digit account>:oidc-provider/token.actions.githubusercontent.com`,
    );
  }
}

/** Throws unless `value` is a runtime of `NODEJS_RUNTIMES`. */
function assertLambdaRuntime(value: string, what: string): void {
  if (!isNodejsRuntime(value)) {
    throw new ValidationError(`invalid ${what} ${quoted(value)}: expected one of ${Object.keys(NODEJS_RUNTIMES).join(", ")} (${NODEJS_RUNTIME} is the default)`);
  }
}

/** Throws unless `value` is one of {@link TARGETS}. */
function assertTarget(value: string): void {
  if (!(TARGETS as readonly string[]).includes(value)) {
    throw new ValidationError(`invalid target ${quoted(value)}: expected one of ${TARGETS.join(", ")} (aws is the default)`);
  }
}

/**
 * The local endpoint `value` names, as its origin (`http://<host>:<port>`): it is written into every provider, so
 * anything more (credentials, a path, a query) is refused rather than carried along.
 */
function localEndpointOf(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== "/" || url.search || url.hash || !/^https?:\/\/[^/?#]+\/?$/.test(value)) {
    throw new ValidationError(`invalid local endpoint ${quoted(value)}: expected http://<host>:<port> with nothing else, such as http://127.0.0.1:${DEFAULT_CLOUD_PORT}`);
  }
  return url.origin;
}

/** The configured stages of a comma-separated list such as `dev,prod` or `pr-42`, those not in STAGES based on `base`. */
function stagesNamed(list: string, base: string): StageConfig[] {
  return [...new Set(list.split(",").map((name) => name.trim()))].map((name) => stageNamed(name, base));
}

/** Runs `check`, adding where the checked value came from to its error. */
function from<T>(source: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`${error.message} (from ${source})`);
    throw error;
  }
}
