import { physicalName } from "./constructs/naming";
import { assertBucketName, assertRegion, ValidationError } from "./constructs/validation";
import { cloudPort, DEFAULT_CLOUD_PORT } from "./local-ports";

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
  /** The stages to synthesize, each one of {@link STAGES}. */
  readonly stages: readonly StageConfig[];
  /** Region the stages deploy to. */
  readonly region: string;
  /** S3 bucket that holds every stage's Terraform state. */
  readonly stateBucket: string;
  /** Region of the state bucket. */
  readonly stateRegion: string;
  /** `local` points every stage's provider and state at the local cloud at {@link Settings.localEndpoint}. */
  readonly target: Target;
  /** The local cloud's endpoint, used when {@link Settings.target} is `local`. */
  readonly localEndpoint: string;
}

/** Where each setting comes from: an environment variable first, then a cdktf.json context key, then a default. */
export const SETTING_SOURCES: { readonly [K in keyof Settings]: { readonly env: string; readonly context: string; readonly default: string } } = {
  stages: { env: "API_AUTH_COGNITO_STAGES", context: "stages", default: STAGES.map((stage) => stage.name).join(",") },
  region: { env: "API_AUTH_COGNITO_REGION", context: "region", default: "us-east-1" },
  stateBucket: { env: "API_AUTH_COGNITO_STATE_BUCKET", context: "stateBucket", default: "api-auth-cognito-terraform-state" },
  stateRegion: { env: "API_AUTH_COGNITO_STATE_REGION", context: "stateRegion", default: "us-east-1" },
  target: { env: "API_AUTH_COGNITO_TARGET", context: "target", default: "aws" },
  // The default follows API_AUTH_COGNITO_CLOUD_PORT, the port the local cloud itself listens on.
  localEndpoint: { env: "API_AUTH_COGNITO_LOCAL_ENDPOINT", context: "localEndpoint", default: `http://127.0.0.1:${DEFAULT_CLOUD_PORT}` },
};

/**
 * Reads and validates the settings. `context` looks up a cdktf.json context key (`app.node.tryGetContext`).
 * Throws a {@link ValidationError} naming the bad value and where it came from.
 */
export function resolveSettings(context: (key: string) => unknown, env: NodeJS.ProcessEnv = process.env): Settings {
  const read = (key: keyof Settings): { value: string; source: string } => {
    const { env: envName, context: contextKey } = SETTING_SOURCES[key];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: `environment variable ${envName}` };
    const fromContext = context(contextKey);
    if (fromContext === undefined) return { value: SETTING_SOURCES[key].default, source: "default" };
    if (typeof fromContext !== "string") {
      throw new ValidationError(`invalid cdktf.json context "${contextKey}": ${JSON.stringify(fromContext)} is not a string`);
    }
    return { value: fromContext, source: `cdktf.json context "${contextKey}"` };
  };
  const stages = read("stages");
  const region = read("region");
  const stateBucket = read("stateBucket");
  const stateRegion = read("stateRegion");
  const target = read("target");
  const localEndpoint = read("localEndpoint");
  const stageConfigs = from(stages.source, () => stagesNamed(stages.value));
  from(region.source, () => assertRegion(region.value, "region"));
  from(stateBucket.source, () => assertBucketName(stateBucket.value, "state bucket"));
  from(stateRegion.source, () => assertRegion(stateRegion.value, "state region"));
  from(target.source, () => assertTarget(target.value));
  const endpoint = localEndpoint.source === "default" ? `http://127.0.0.1:${cloudPort(env)}` : localEndpoint.value;
  from(localEndpoint.source, () => assertLocalEndpoint(endpoint));
  return {
    stages: stageConfigs,
    region: region.value,
    stateBucket: stateBucket.value,
    stateRegion: stateRegion.value,
    target: target.value as Target,
    localEndpoint: endpoint,
  };
}

/**
 * The stage named `name`: the one place a stage is looked up by name, for the app and every tool.
 * Throws a {@link ValidationError} naming the value and the stages there are.
 */
export function stageNamed(name: string): StageConfig {
  const known = STAGES.map((stage) => stage.name).join(", ");
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new ValidationError(`invalid stage name "${name}": expected lowercase letters, digits and hyphens, one of ${known}`);
  }
  const stage = STAGES.find((s) => s.name === name);
  if (!stage) throw new ValidationError(`unknown stage "${name}": expected one of ${known} (add a stage to STAGES in config.ts)`);
  return stage;
}

/** Throws unless `value` is one of {@link TARGETS}. */
function assertTarget(value: string): void {
  if (!(TARGETS as readonly string[]).includes(value)) {
    throw new ValidationError(`invalid target "${value}": expected one of ${TARGETS.join(", ")} (aws is the default)`);
  }
}

/** Throws unless `value` is an http(s) URL with nothing after the host and port. */
function assertLocalEndpoint(value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash) {
    throw new ValidationError(`invalid local endpoint "${value}": expected http://<host>:<port> such as http://127.0.0.1:${DEFAULT_CLOUD_PORT}`);
  }
}

/** The configured stages of a comma-separated list such as `dev,prod`. */
function stagesNamed(list: string): StageConfig[] {
  return [...new Set(list.split(",").map((name) => name.trim()))].map(stageNamed);
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
