import { S3Backend, TerraformStack } from "cdktf";
import { APP_NAME, isPlaceholderBucket, ResolvedStage, Settings, UNBOOTSTRAPPED_BACKEND_BUCKET } from "../config";

/**
 * A stack's S3 backend in the state bucket, with S3-native locking (cdktf 0.21's S3Backend has no option for it). While
 * the bucket is the placeholder default, its `bucket` is a stand-in `terraform init` refuses (app/config.ts): a synth still
 * works offline, but nothing reads or writes state in a bucket anyone could own.
 */
export function stateBackend(stack: TerraformStack, settings: Settings, key: string): S3Backend {
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
