import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { NODEJS_RUNTIME } from "../../constructs/runtime";
import type { SynthesizedStack } from "../../tools/terraform/synthesize";

/**
 * The smallest stack that a deploy's lifecycle needs (a lock race, a `kill -9` mid-apply, a cloud that dies), in the
 * shape the app synthesizes: an S3 backend under a key of its own, fixed-name resources of the kinds an interrupted
 * deploy leaves behind (orphan-import.ts adopts them: a role, a log group, a function), and one Lambda creation, whose
 * wait in the AWS provider (5 s after CreateFunction) is the window in which a test kills, races or stops the cloud.
 * A whole stage would add a second function's wait and twenty resources that prove nothing more here.
 */

/** The trust policy of the probe's role: Lambda may assume it. */
const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });

/** Writes the probe stack `name` (every physical name is `name`) into `<parent>/<name>` and returns it as a synthesized stack. */
export function probeStack(parent: string, name: string): SynthesizedStack {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const zip = zipSync({ "index.js": Buffer.from("exports.handler = async () => ({ statusCode: 200, body: 'probe' });\n") }, { mtime: new Date(1980, 0, 1) });
  writeFileSync(join(dir, "probe.zip"), zip);
  const stack = {
    terraform: {
      required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } },
      backend: { s3: { bucket: "probe-state", key: `probe/${name}/terraform.tfstate`, region: "us-east-1", use_lockfile: true } },
    },
    provider: { aws: [{ region: "us-east-1" }] },
    resource: {
      aws_iam_role: { probe: { name, assume_role_policy: TRUST } },
      aws_cloudwatch_log_group: { probe: { name: `/aws/lambda/${name}`, retention_in_days: 1 } },
      aws_lambda_function: {
        probe: {
          function_name: name,
          role: "${aws_iam_role.probe.arn}",
          handler: "index.handler",
          runtime: NODEJS_RUNTIME,
          filename: "probe.zip",
          source_code_hash: createHash("sha256").update(zip).digest("base64"),
          depends_on: ["aws_cloudwatch_log_group.probe"],
        },
      },
    },
    output: { FunctionName: { value: "${aws_lambda_function.probe.function_name}" } },
  };
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(stack, null, 2));
  return { name, dir };
}
