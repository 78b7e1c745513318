import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";

/**
 * Adoption of resources an interrupted apply created but never wrote to state. Terraform persists state only at the
 * end of a short apply (and every TF_STATE_PERSIST_INTERVAL, 20 s, in a long one), so after `kill -9` everything that
 * apply created is still in the cloud and missing from state. The next apply would then fail with "already exists" for
 * every resource whose name is fixed (roles, log groups), and for a function the provider retries CreateFunction's
 * conflict for 5 minutes first. So before an apply, each fixed-name resource the state lacks is looked up in the local
 * cloud by the name the configuration gives it, and one that exists is adopted with Terraform's own `import` block:
 * the same resources, now in state, and no manual step. Resources with generated ids (user pools, APIs) cannot
 * collide, and are created anew.
 */

/** The file of import blocks the harness writes into a working directory (Terraform reads every `*.tf.json`). */
export const IMPORT_FILE = "harness_import.tf.json";

/** One `import` block: the resource address and the id of the object to adopt. */
export interface ImportBlock {
  readonly to: string;
  readonly id: string;
}

/** For each resource type whose names are fixed in our stacks: the attribute that is its import id, and a lookup. */
const FIXED_NAMES: Readonly<Record<string, { readonly attribute: string; readonly exists: (clients: Clients, id: string) => Promise<boolean> }>> = {
  aws_iam_role: { attribute: "name", exists: (c, id) => found(c.iam.send(new GetRoleCommand({ RoleName: id }))) },
  aws_cloudwatch_log_group: {
    attribute: "name",
    exists: async (c, id) => ((await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: id }))).logGroups ?? []).some((g) => g.logGroupName === id),
  },
  aws_lambda_function: { attribute: "function_name", exists: (c, id) => found(c.lambda.send(new GetFunctionCommand({ FunctionName: id }))) },
  aws_s3_bucket: { attribute: "bucket", exists: (c, id) => found(c.s3.send(new HeadBucketCommand({ Bucket: id }))) },
};

/**
 * The fixed-name resources of the stack in `dir` that are not among `managed` (addresses in state) but exist in the
 * local cloud at `endpoint`, as import blocks.
 */
export async function orphans(dir: string, endpoint: string, managed: ReadonlySet<string>): Promise<ImportBlock[]> {
  const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const candidates = Object.entries(config.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries(resources).flatMap(([name, body]) => {
      const id = FIXED_NAMES[type] && body[FIXED_NAMES[type].attribute];
      return typeof id === "string" && !id.includes("${") && !managed.has(`${type}.${name}`) ? [{ type, to: `${type}.${name}`, id }] : [];
    }),
  );
  if (candidates.length === 0) return [];
  const clients = makeClients(endpoint);
  try {
    const present = await Promise.all(candidates.map((candidate) => FIXED_NAMES[candidate.type].exists(clients, candidate.id)));
    return candidates.filter((_, i) => present[i]).map(({ to, id }) => ({ to, id }));
  } finally {
    Object.values(clients).forEach((client) => client.destroy());
  }
}

/** Writes `blocks` as the working directory's import file. */
export function writeImports(dir: string, blocks: readonly ImportBlock[]): void {
  if (blocks.length > 0 || existsSync(join(dir, IMPORT_FILE))) writeFileSync(join(dir, IMPORT_FILE), JSON.stringify({ import: blocks }, null, 2));
}

type Clients = ReturnType<typeof makeClients>;

function makeClients(endpoint: string) {
  const config = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 };
  return { iam: new IAMClient(config), logs: new CloudWatchLogsClient(config), lambda: new LambdaClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

/** Whether a lookup found its object: a not-found answer is `false`, any other error is thrown. */
async function found(lookup: Promise<unknown>): Promise<boolean> {
  try {
    await lookup;
    return true;
  } catch (error) {
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (name === "NoSuchEntityException" || name === "NoSuchEntity" || name === "ResourceNotFoundException" || name === "NotFound" || $metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}
