import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { functionCodeFromS3 } from "./function-code-from-s3";
import { orphans, writeImports } from "./orphan-import";
import { awsProviderOverride } from "./provider-override";
import { prepareStack } from "./stack-workdir";
import { heldLockMessage, LockCheck, releasedLockMessage, releaseStaleLock, StateLocation } from "./state-lock";
import { SynthesizedStack } from "./synthesize";
import { terraform, terraformError, TerraformResult, TerraformWatch, terraformOrThrow } from "./terraform";
import { claimWorkdir } from "./workdir-claim";
import { stopping } from "../cli/lifecycle";
import { step } from "../cli/terminal";
import { LOCAL_STATE_BUCKET, localS3Backend } from "../../app/contract";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";

/** Stack outputs by name, as `terraform output` prints them. */
export type Outputs = Record<string, string>;

/** How long the local cloud may take to answer before a deploy gives up on it. */
const REACHABLE_WITHIN_MS = 5_000;

/** The Terraform override file of a prepared directory (its backend names the state's bucket, key and endpoint). */
const OVERRIDE_FILE = "harness_override.tf.json";

/** Where a prepared directory keeps what its last successful `terraform init` saw (inside `.terraform`, which is kept). */
const INIT_RECORD = join(".terraform", "harness-init.sha256");

/** What releases a state lock that a local apply or destroy leaves when it is abandoned (every one of these). */
const LOCAL_LOCK_REMEDY = "the next local:deploy, local:destroy, dev or local:unlock of the stage";

/**
 * Copies a synthesized stack into `workdir`, pointed at the local cloud at `endpoint`: every AWS call goes
 * there, and the state lives in the emulator's S3 under the stack's own key, with S3-native locking as in AWS.
 * The functions' zips go through objects in that bucket (function-code-from-s3.ts), so functions deploy side by side.
 * Runs `terraform init` and returns the directory, ready for apply or destroy. Throws one line when nothing answers
 * at `endpoint`.
 */
export async function prepareLocalStack(stack: SynthesizedStack, endpoint: string, workdir: string): Promise<string> {
  await assertReachable(endpoint);
  await ensureStateBucket(endpoint);
  const backend = { s3: localS3Backend(endpoint, stateKey(stack)) };
  const provider = awsProviderOverride(endpoint, LOCAL_CREDENTIALS.accessKeyId, false);
  const { dir } = await prepareStack(stack.dir, workdir, { provider: provider.provider, terraform: { backend } }, provider.env);
  functionCodeFromS3(dir, LOCAL_STATE_BUCKET, stack.name);
  if (initialized(dir)) {
    step(`terraform init: ${stack.name} already initialized for this backend and these providers`);
  } else {
    step(`terraform init: ${stack.name} (state in the local cloud's S3)`);
    await terraformOrThrow(["init", "-input=false", "-reconfigure"], dir);
    writeFileSync(join(dir, INIT_RECORD), initInputs(dir));
  }
  return dir;
}

/**
 * What `terraform init` depends on in a prepared directory: the override (backend and provider settings) and the
 * stack's providers and backend. When these are what the last successful init saw, and its providers and lock file
 * are still there, init would change nothing and is skipped (about a second per deploy).
 */
function initInputs(dir: string): string {
  const { terraform: settings } = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
  const inputs = [readFileSync(join(dir, OVERRIDE_FILE), "utf8"), JSON.stringify(settings), existsSync(join(dir, ".terraform.lock.hcl")) ? readFileSync(join(dir, ".terraform.lock.hcl"), "utf8") : ""];
  return createHash("sha256").update(inputs.join("\0")).digest("hex");
}

/** Whether the last init of `dir` saw the same inputs, and left its providers and lock file. */
function initialized(dir: string): boolean {
  const record = join(dir, INIT_RECORD);
  return existsSync(record) && existsSync(join(dir, ".terraform", "providers")) && readFileSync(record, "utf8") === initInputs(dir);
}

/** The key of a synthesized stack's state, as its S3 backend names it. */
function stateKey(stack: SynthesizedStack): string {
  return JSON.parse(readFileSync(join(stack.dir, "cdk.tf.json"), "utf8")).terraform.backend.s3.key;
}

/**
 * `terraform apply` in a prepared directory; the result tells whether it won the state lock. A lock left by a
 * deploy that was killed is released first, with a line saying so; a live one is left to refuse this apply.
 * `watch` follows the Terraform process; `env` is added to its environment (a kept provider's, kept-provider.ts).
 */
export async function apply(dir: string, watch: TerraformWatch = {}, env: NodeJS.ProcessEnv = {}): Promise<TerraformResult> {
  await checkLock(dir);
  step("terraform apply");
  return terraform(["apply", "-auto-approve", "-input=false"], dir, env, { lockRemedy: LOCAL_LOCK_REMEDY, ...watch });
}

/** `terraform destroy` in a prepared directory, after releasing a lock left by a killed deploy; `watch` follows it. */
export async function destroy(dir: string, watch: TerraformWatch = {}): Promise<TerraformResult> {
  await checkLock(dir);
  step("terraform destroy");
  return terraform(["destroy", "-auto-approve", "-input=false"], dir, {}, { lockRemedy: LOCAL_LOCK_REMEDY, ...watch });
}

/**
 * Releases the state's lock if its terraform is gone (state-lock.ts), with a line saying so unless not to `say`, and
 * says what it found.
 * A lock another terraform holds is left to refuse the command, which then says who holds it.
 */
async function checkLock(dir: string, say = true): Promise<LockCheck> {
  const location = stateLocation(dir);
  try {
    const check = await releaseStaleLock(location);
    if (check.state === "released" && say) step(releasedLockMessage(location.key, check.lock));
    return check;
  } finally {
    location.s3.destroy();
  }
}

/**
 * Releases the lock of a stack's state in the local cloud at `endpoint` if its terraform is gone, for a deploy that
 * these tools did not run (`cdktf deploy` killed). Returns one line saying what it released and why that was safe, or
 * that there was no lock; throws one line naming the holder when a terraform still holds it.
 */
export async function unlockStack(stack: SynthesizedStack, endpoint: string): Promise<string> {
  const location = { s3: stateClient(endpoint), bucket: LOCAL_STATE_BUCKET, key: stateKey(stack) };
  try {
    const check = await releaseStaleLock(location);
    if (check.state === "free") return `the state of ${stack.name} is not locked: nothing to release`;
    if (check.state === "released") return releasedLockMessage(location.key, check.lock);
    throw new Error(heldLockMessage(stack.name, check));
  } finally {
    location.s3.destroy();
  }
}

/** The stack's outputs, as AWS would print them after a deploy, read from the state the backend wrote. */
export async function outputs(dir: string): Promise<Outputs> {
  // The state object holds them as `terraform output -json` prints them; reading it saves starting Terraform again.
  const state = await readState(dir);
  return Object.fromEntries(Object.entries(state?.outputs ?? {}).map(([name, { value }]) => [name, String(value)]));
}

/** What the state of a prepared directory holds, as the backend wrote it; `undefined` before the first apply. */
interface State {
  readonly outputs?: Record<string, { readonly value: unknown }>;
  readonly resources?: readonly { readonly mode: string; readonly type: string; readonly name: string }[];
}

async function readState(dir: string): Promise<State | undefined> {
  const location = stateLocation(dir);
  try {
    const object = await location.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    return JSON.parse(await object.Body!.transformToString()) as State;
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  } finally {
    location.s3.destroy();
  }
}

/** Addresses of the managed resources in the state of a prepared directory. */
async function managedAddresses(dir: string): Promise<Set<string>> {
  const resources = (await readState(dir))?.resources ?? [];
  return new Set(resources.filter((r) => r.mode === "managed").map((r) => `${r.type}.${r.name}`));
}

/**
 * Deploys a synthesized stack to the local cloud and returns its outputs. Recovers from a deploy that was killed:
 * its stale state lock is released, and the resources it created but never recorded are adopted (orphan-import.ts)
 * before the apply.
 * Throws one line when another deploy of the stack is running. `watch` follows each Terraform apply it runs.
 */
export async function deployStack(stack: SynthesizedStack, endpoint: string, workdir: string, watch: TerraformWatch = {}): Promise<Outputs> {
  const release = claimWorkdir(workdir, stack.name);
  try {
    const dir = await prepareLocalStack(stack, endpoint, workdir);
    const adopted = await orphans(dir, endpoint, await managedAddresses(dir));
    writeImports(dir, adopted);
    if (adopted.length > 0) step(`adopting ${adopted.length} resource(s) an interrupted deploy left behind: ${adopted.map((block) => block.id).join(", ")}`);
    const result = await apply(dir, watch);
    if (result.code !== 0) throw new Error(await failure("apply", stack, endpoint, dir, result));
    return await outputs(dir);
  } finally {
    release();
  }
}

/**
 * Destroys a stack deployed to the local cloud, after releasing a lock a killed deploy or destroy left. Throws one line
 * when it fails: another deploy holds the lock, its Terraform was killed, or Terraform's errors. `watch` follows it.
 */
export async function destroyStack(stack: SynthesizedStack, endpoint: string, workdir: string, watch: TerraformWatch = {}): Promise<void> {
  const release = claimWorkdir(workdir, stack.name);
  try {
    const dir = await prepareLocalStack(stack, endpoint, workdir);
    const result = await destroy(dir, watch);
    if (result.code !== 0) throw new Error(await failure("destroy", stack, endpoint, dir, result));
  } finally {
    release();
  }
}

/**
 * Why an apply or destroy failed, in one line: a local cloud that died; a Terraform that was killed (the lock it left is
 * released here, since its holder is gone, and said so); a lock another Terraform holds; else Terraform's errors.
 */
async function failure(command: "apply" | "destroy", stack: SynthesizedStack, endpoint: string, dir: string, result: TerraformResult): Promise<string> {
  const gone = await unreachable(endpoint);
  if (gone) {
    const during = command === "apply" ? "deploy" : "destroy";
    return `the local cloud at ${endpoint} stopped answering during the ${during} of ${stack.name} (${gone}): start it again, then run this command again`;
  }
  // The failure's message says what was released, unless the command is stopping: then no failure is shown.
  const check = await checkLock(dir, stopping());
  if (result.signal) {
    const lock = check.state === "released" ? `; ${releasedLockMessage(stateKey(stack), check.lock)}` : "";
    const adopts = command === "apply" ? ": it adopts what the killed apply created" : "";
    return `terraform ${command} of ${stack.name} was killed by ${result.signal}${lock}; run this command again${adopts}`;
  }
  if ((check.state === "held" || check.state === "unknown") && result.stderr.includes("Error acquiring the state lock")) return heldLockMessage(stack.name, check, dir);
  return `terraform ${command} of ${stack.name} failed: ${terraformError(result)}`;
}

/** The state's bucket and key, from the backend of a prepared directory, with a client for its S3. */
function stateLocation(dir: string): StateLocation & { readonly s3: S3Client } {
  const { bucket, key, endpoints } = JSON.parse(readFileSync(join(dir, OVERRIDE_FILE), "utf8")).terraform.backend.s3;
  return { s3: stateClient(endpoints.s3), bucket, key };
}

function stateClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 2 });
}

/** Throws one line unless something answers HTTP at `endpoint`. */
async function assertReachable(endpoint: string): Promise<void> {
  const cause = await unreachable(endpoint);
  if (cause) throw new Error(`the local cloud at ${endpoint} does not answer (${cause}): start it with \`npm run local:up\`, or check the endpoint`);
}

/** Why nothing answers HTTP at `endpoint` within {@link REACHABLE_WITHIN_MS} (`ECONNREFUSED`), or `undefined` when something does. */
async function unreachable(endpoint: string): Promise<string | undefined> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(REACHABLE_WITHIN_MS) });
    return undefined;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
  }
}

/** Creates the local state bucket unless it exists. */
async function ensureStateBucket(endpoint: string): Promise<void> {
  const s3 = stateClient(endpoint);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: LOCAL_STATE_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_STATE_BUCKET }));
  } finally {
    s3.destroy();
  }
}
