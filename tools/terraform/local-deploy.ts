import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { awsProviderOverride } from "./provider-override";
import { prepareStack } from "./stack-workdir";
import { SynthesizedStack } from "./synthesize";
import { terraform, TerraformResult, terraformOrThrow } from "./terraform";
import { step } from "../cli/terminal";
import { LOCAL_STATE_BUCKET } from "../../config";
import { localS3Backend } from "../../local-cloud-target";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud/local-account";

/** Stack outputs by name, as `terraform output` prints them. */
export type Outputs = Record<string, string>;

/**
 * Copies a synthesized stack into `workdir`, pointed at the local cloud at `endpoint`: every AWS call goes
 * there, and the state lives in the emulator's S3 under the stack's own key, with S3-native locking as in AWS.
 * Runs `terraform init` and returns the directory, ready for apply or destroy.
 */
export async function prepareLocalStack(stack: SynthesizedStack, endpoint: string, workdir: string): Promise<string> {
  await ensureStateBucket(endpoint);
  const { key } = JSON.parse(readFileSync(join(stack.dir, "cdk.tf.json"), "utf8")).terraform.backend.s3;
  const backend = { s3: localS3Backend(endpoint, key) };
  const override = { provider: awsProviderOverride(endpoint, LOCAL_CREDENTIALS.accessKeyId, false), terraform: { backend } };
  const { dir } = await prepareStack(stack.dir, workdir, override);
  step(`terraform init: ${stack.name} (state in the local cloud's S3)`);
  await terraformOrThrow(["init", "-input=false", "-reconfigure"], dir);
  return dir;
}

/** `terraform apply` in a prepared directory; the result tells whether it won the state lock. */
export function apply(dir: string): Promise<TerraformResult> {
  step("terraform apply");
  return terraform(["apply", "-auto-approve", "-input=false"], dir);
}

/** `terraform destroy` in a prepared directory; throws with Terraform's message if it fails. */
export async function destroy(dir: string): Promise<void> {
  step("terraform destroy");
  await terraformOrThrow(["destroy", "-auto-approve", "-input=false"], dir);
}

/** The stack's outputs, as AWS would print them after a deploy. */
export async function outputs(dir: string): Promise<Outputs> {
  const json = JSON.parse((await terraformOrThrow(["output", "-json"], dir)).stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(json).map(([name, { value }]) => [name, String(value)]));
}

/** Deploys a synthesized stack to the local cloud and returns its outputs. */
export async function deployStack(stack: SynthesizedStack, endpoint: string, workdir: string): Promise<Outputs> {
  const dir = await prepareLocalStack(stack, endpoint, workdir);
  const result = await apply(dir);
  if (result.code !== 0) throw new Error(`terraform apply of ${stack.name} failed:\n${(result.stderr || result.stdout).trim()}`);
  return outputs(dir);
}

/** Destroys a stack deployed to the local cloud. */
export async function destroyStack(stack: SynthesizedStack, endpoint: string, workdir: string): Promise<void> {
  await destroy(await prepareLocalStack(stack, endpoint, workdir));
}

/** Creates the local state bucket unless it exists. */
async function ensureStateBucket(endpoint: string): Promise<void> {
  const s3 = new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: LOCAL_STATE_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_STATE_BUCKET }));
  } finally {
    s3.destroy();
  }
}
