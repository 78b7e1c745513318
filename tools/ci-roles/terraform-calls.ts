import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_STATE_BUCKET } from "../../app/contract";
import { actionOf, LOCAL_ACCOUNT_ID, ObservedRequest, RequestAction, signatureClaim, startLocalCloud } from "../local-cloud";
import { prepareLocalStack } from "../terraform/local-deploy";
import { stageStack, synthesize } from "../terraform/synthesize";
import { cliConfigFile, terraform } from "../terraform/terraform";
import { isSmokeCall, smokeAppliedStage } from "./smoke-run";

/**
 * The AWS API calls Terraform makes for one stage, recorded at the local cloud's front: what the CI roles must allow.
 * A stage is taken through a whole life with the real Terraform: plan and apply of a first deploy, the smoke test CI
 * runs after it (smoke-run.ts), a plan of the deployed stage (what a pull request's plan does), an apply that updates
 * every kind of resource in place and tags what moto can tag, a later update that removes those tags and changes the
 * functions' roles' trust policies, and a destroy. Only Terraform's own requests count (its User-Agent), and in the
 * smoke step the smoke test's Cognito calls, not the harness's.
 */

/** The steps of the recorded life, in order. `plan` steps are what the plan role runs; the others, the deploy role. */
export const PHASES = ["first plan", "first apply", "smoke", "plan", "update", "tag and trust update", "destroy"] as const;

/** A value of {@link PHASES}. */
export type Phase = (typeof PHASES)[number];

/** One recorded call and what IAM authorizes it for. */
export interface TerraformCall {
  readonly phase: Phase;
  /** `<signing name> <method> <path>`, for the review listing. */
  readonly request: string;
  /** The local cloud's mapping of the call to its IAM action and resources. */
  readonly iam: RequestAction;
  /** The request body, for the checks of what a call implies (a role it passes, tags it sets). */
  readonly body: Buffer;
}

/** What a recording holds: the calls and the account and region they were made in. */
export interface Recording {
  readonly calls: readonly TerraformCall[];
  readonly accountId: string;
  readonly region: string;
  readonly stateBucket: string;
  /** The recorded stage's name (`Stage` tag of its pools and APIs). */
  readonly stage: string;
}

/**
 * The repository the recorded stage is synthesized for: with CI roles, so that its roles carry their permissions
 * boundary, as in every deploy CI makes.
 */
export const RECORDED_REPOSITORY = "my-org/api-auth-cognito";

/**
 * Object keys of the state bucket that only the local harness writes: it ships the functions' zips through S3
 * (function-code-from-s3.ts), where the AWS stack uploads them inline.
 */
const HARNESS_KEYS = "/lambda-code/";

/** Whether `terraform plan` of that phase is a plan (the plan role's job) rather than a change. */
export function isPlanPhase(phase: Phase): boolean {
  return phase === "first plan" || phase === "plan";
}

/**
 * Called before each phase starts, and with `"end"` once the stage is destroyed, with the local cloud's endpoint, so
 * that a caller can follow along or look at what the phases before did; awaited.
 */
export type StepHook = (phase: Phase | "end", endpoint: string) => void | Promise<void>;

/**
 * Records the calls of the dev stage's life in `scratch` (a new local cloud, torn down after). A plan of the deployed
 * stage that has changes (a perpetual diff) fails the recording.
 */
export async function recordTerraformCalls(scratch: string, onStep: StepHook = () => {}): Promise<Recording> {
  cliConfigFile();
  let phase: Phase | undefined;
  const calls: TerraformCall[] = [];
  const record = (observed: ObservedRequest) => {
    if (phase === undefined) return;
    if (phase === "smoke" ? !isSmokeCall(observed.headers) : !/\bTerraform\//.test(String(observed.headers["user-agent"] ?? ""))) return;
    if (observed.url.includes(HARNESS_KEYS)) return;
    const claim = signatureClaim(observed.url, observed.headers);
    const { service, region } = typeof claim === "object" ? claim : { service: undefined, region: undefined };
    // Port 0: Terraform's S3 backend and provider address buckets path-style, never as <bucket>.localhost:<port>.
    const iam = actionOf({ ...observed, service, region, accountId: LOCAL_ACCOUNT_ID, port: 0 });
    calls.push({ phase, request: `${service ?? "unsigned"} ${observed.method} ${decodeURIComponent(observed.url.split("?")[0])}`, iam, body: observed.body });
  };
  const cloud = await startLocalCloud({ buckets: [LOCAL_STATE_BUCKET], onRequest: record });
  try {
    const stack = stageStack(synthesize(join(scratch, "out"), { stages: ["dev"], env: { API_AUTH_COGNITO_GITHUB_REPOSITORY: RECORDED_REPOSITORY } }), "dev");
    const dir = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "dev"));
    const run = async (next: Phase, args: string[]) => {
      await onStep(next, cloud.endpoint);
      phase = next;
      const result = await terraform(args, dir);
      phase = undefined;
      // -detailed-exitcode: 2 is a plan with changes.
      if (result.code === 2) throw new Error(`the plan of the deployed stage has changes, which the apply should have made: ${changeLine(result.stdout)}`);
      if (result.code !== 0) throw new Error(`terraform ${args[0]} (${next}) failed in ${dir}:\n${(result.stderr || result.stdout).trim()}`);
    };
    await run("first plan", ["plan", "-input=false"]);
    await run("first apply", ["apply", "-auto-approve", "-input=false"]);
    await onStep("smoke", cloud.endpoint);
    phase = "smoke";
    await smokeAppliedStage(cloud, dir);
    phase = undefined;
    await run("plan", ["plan", "-input=false", "-detailed-exitcode"]);
    editEveryKind(join(dir, "cdk.tf.json"));
    await run("update", ["apply", "-auto-approve", "-input=false"]);
    untagAndRetrust(join(dir, "cdk.tf.json"));
    await run("tag and trust update", ["apply", "-auto-approve", "-input=false"]);
    await run("destroy", ["destroy", "-auto-approve", "-input=false"]);
    await onStep("end", cloud.endpoint);
    return { calls, accountId: LOCAL_ACCOUNT_ID, region: stack.manifest.region, stateBucket: LOCAL_STATE_BUCKET, stage: stack.manifest.stage };
  } finally {
    await cloud.stop();
  }
}

/** Terraform's `Plan: ...` line of a plan's output, or its last line. */
function changeLine(stdout: string): string {
  return /^Plan: .*$/m.exec(stdout)?.[0] ?? stdout.trim().split("\n").pop() ?? "";
}

/**
 * A tag of the recorded life's own, set on every kind of resource whose tags moto 5.2 can change, then removed.
 * Not on user pools, identity pools and API stages: moto 5.2 has no TagResource or UntagResource for them, so those
 * calls stay in ci-permissions.ts's LATER_UPDATE_ACTIONS, granted from the provider's source.
 */
const RECORDED_TAG = "RecordedBy";

/** The resource types {@link RECORDED_TAG} goes on. */
const TAGGED_TYPES = ["aws_iam_role", "aws_lambda_function", "aws_cloudwatch_log_group", "aws_apigatewayv2_api"] as const;

/** What the edits read of a synthesized stack's JSON configuration. */
interface StackConfig {
  readonly resource: Record<string, Record<string, unknown>>;
  readonly data?: Record<string, Record<string, unknown>>;
}

/** The stack's configuration at `file`, changed by `change`: each resource of a type, through `each`. */
function editStack(file: string, change: (each: <T>(type: string, edit: (resource: T) => void) => void, config: StackConfig) => void): void {
  const config = JSON.parse(readFileSync(file, "utf8")) as StackConfig;
  const each = <T>(type: string, edit: (resource: T) => void) => Object.values((config.resource[type] ?? {}) as Record<string, T>).forEach(edit);
  change(each, config);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/**
 * Changes one setting of each kind of resource in the stack at `file`, each one that is updated in place, so that the
 * next apply makes the calls of a routine deploy, and adds {@link RECORDED_TAG} (TagRole, TagResource).
 */
function editEveryKind(file: string): void {
  editStack(file, (each) => {
    // A new hash makes the provider send the code again (UpdateFunctionCode), as a deploy of edited handlers does.
    each<{ memory_size: number; source_code_hash: string }>("aws_lambda_function", (fn) => {
      fn.memory_size += 64;
      fn.source_code_hash = Buffer.from(`${fn.source_code_hash} edited`).toString("base64");
    });
    each<{ retention_in_days: number }>("aws_cloudwatch_log_group", (group) => (group.retention_in_days = 30));
    each<{ description?: string }>("aws_apigatewayv2_api", (api) => (api.description = "updated"));
    each<{ default_route_settings: { throttling_rate_limit: number } }>("aws_apigatewayv2_stage", (stage) => (stage.default_route_settings.throttling_rate_limit += 1));
    each<{ password_policy: { minimum_length: number } }>("aws_cognito_user_pool", (pool) => (pool.password_policy.minimum_length += 2));
    each<{ refresh_token_validity?: number }>("aws_cognito_user_pool_client", (client) => (client.refresh_token_validity = 7));
    each<{ allow_classic_flow?: boolean }>("aws_cognito_identity_pool", (pool) => (pool.allow_classic_flow = true));
    for (const type of TAGGED_TYPES) each<{ tags?: Record<string, string> }>(type, (resource) => (resource.tags = { ...resource.tags, [RECORDED_TAG]: "ci-roles" }));
  });
}

/**
 * A later update of the stack at `file`: removes {@link RECORDED_TAG} again (UntagRole, UntagResource) and changes the
 * functions' roles' trust policies (UpdateAssumeRolePolicy), as a stage whose trust is tightened would.
 */
function untagAndRetrust(file: string): void {
  editStack(file, (each, config) => {
    for (const type of TAGGED_TYPES) each<{ tags?: Record<string, string> }>(type, (resource) => delete resource.tags?.[RECORDED_TAG]);
    const documents = Object.entries((config.data?.aws_iam_policy_document ?? {}) as Record<string, { statement: Array<Record<string, unknown>> }>);
    const trusts = documents.filter(([, document]) => document.statement.some((statement) => JSON.stringify(statement.principals ?? []).includes("lambda.amazonaws.com")));
    if (trusts.length === 0) throw new Error("the stack has no function role trust policy to change: the recorded life needs one");
    for (const [, document] of trusts) {
      for (const statement of document.statement) statement.condition = [{ test: "StringEquals", variable: "aws:SourceAccount", values: [LOCAL_ACCOUNT_ID] }];
    }
  });
}
