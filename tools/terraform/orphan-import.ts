import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Adoption of resources an interrupted apply created but never wrote to state. Terraform persists state only at the
 * end of a short apply (and every TF_STATE_PERSIST_INTERVAL, 20 s, in a long one), so after `kill -9` everything that
 * apply created is still in the cloud and missing from state; the next apply then fails with "already exists" for
 * every resource whose name is fixed (roles, log groups, functions). Those resources are adopted with Terraform's own
 * `import` blocks, keyed by the name the configuration gives them, and the apply runs again: the same resources, now
 * in state, and no manual step. Resources with generated ids (user pools, APIs) cannot collide, and are created anew.
 */

/** The file of import blocks the harness writes into a working directory (Terraform reads every `*.tf.json`). */
export const IMPORT_FILE = "harness_import.tf.json";

/** The attribute that is a resource's import id, for the types whose names are fixed in our stacks. */
const IMPORT_ID_ATTRIBUTE: Readonly<Record<string, string>> = {
  aws_iam_role: "name",
  aws_cloudwatch_log_group: "name",
  aws_lambda_function: "function_name",
  aws_s3_bucket: "bucket",
};

/** One `import` block: the resource address and the id of the object to adopt. */
export interface ImportBlock {
  readonly to: string;
  readonly id: string;
}

/**
 * The resources Terraform's output (`stderr` of a failed apply) says already exist, with their import ids from the
 * stack's configuration in `dir`; only resources whose id is a literal name of the configuration are returned.
 */
export function alreadyExisting(stderr: string, dir: string): ImportBlock[] {
  const config = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const blocks: ImportBlock[] = [];
  // Each diagnostic starts with "Error: " at the start of a line and names its resource in "with <address>,".
  for (const diagnostic of stderr.split(/^(?=Error: )/m)) {
    if (!/already exists|AlreadyExists|ResourceConflictException/i.test(diagnostic)) continue;
    const address = /^\s*with ([\w-]+)\.([\w-]+),$/m.exec(diagnostic);
    if (!address) continue;
    const [, type, name] = address;
    const attribute = IMPORT_ID_ATTRIBUTE[type];
    const id = attribute && config.resource?.[type]?.[name]?.[attribute];
    if (typeof id === "string" && !id.includes("${")) blocks.push({ to: `${type}.${name}`, id });
  }
  return blocks;
}

/** Adds `blocks` to the working directory's import file; returns the blocks that were not there yet. */
export function addImports(dir: string, blocks: readonly ImportBlock[]): ImportBlock[] {
  const file = join(dir, IMPORT_FILE);
  const present: ImportBlock[] = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).import : [];
  const added = blocks.filter((block) => !present.some((p) => p.to === block.to));
  if (added.length > 0) writeFileSync(file, JSON.stringify({ import: [...present, ...added] }, null, 2));
  return added;
}
