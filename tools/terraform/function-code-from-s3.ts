import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * For deploys to the local cloud: each `aws_lambda_function` that uploads its zip from a file (`filename`) takes it
 * from an `aws_s3_object` instead, uploaded from that file by the same apply. AWS provider 5.100 creates functions
 * with `filename` one at a time (a global lock, held until the function is Active) and waits a fixed 5 s after each
 * CreateFunction, so N functions took N × 5 s; from S3 they are created side by side, in about 5 s for all. The zip,
 * its hash and every other argument stay as synthesized, and the local cloud runs the code it reads from the object
 * (lambda-code.ts). Works on a scratch copy of a synthesized stack (JSON).
 */

/** Terraform's name of the object that holds a function's code: `<function's resource name>_code`. */
function objectName(functionResource: string): string {
  return `${functionResource}_code`;
}

/** A string argument as a Terraform expression: `"${x}"` is `x`, any other string its quoted literal. */
function expression(value: string): string {
  return /^\$\{([^}]*)\}$/.exec(value)?.[1] ?? JSON.stringify(value);
}

/**
 * Rewrites the stack at `dir` so that its functions' code goes through objects in `bucket`, under
 * `lambda-code/<stack>/`; returns the resource names of the functions it changed.
 */
export function functionCodeFromS3(dir: string, bucket: string, stack: string): string[] {
  const file = join(dir, "cdk.tf.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const functions = config.resource?.aws_lambda_function ?? {};
  const changed = Object.keys(functions).filter((name) => typeof functions[name].filename === "string");
  if (changed.length === 0) return [];
  const objects = (config.resource!.aws_s3_object ??= {});
  for (const name of changed) {
    const { filename, source_code_hash: hash, provider, ...rest } = functions[name];
    const object = objectName(name);
    objects[object] = {
      bucket,
      key: `lambda-code/${stack}/${name}.zip`,
      source: filename,
      // A new hash re-uploads the object, which updates the function's code (its source_code_hash changes too).
      source_hash: hash ?? `\${filebase64sha256(${expression(filename as string)})}`,
      ...(provider !== undefined && { provider }),
    };
    functions[name] = {
      ...rest,
      ...(hash !== undefined && { source_code_hash: hash }),
      ...(provider !== undefined && { provider }),
      s3_bucket: `\${aws_s3_object.${object}.bucket}`,
      s3_key: `\${aws_s3_object.${object}.key}`,
    };
  }
  writeFileSync(file, JSON.stringify(config, null, 2));
  return changed;
}
