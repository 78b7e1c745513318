import { referencedPolicy, referencedRole, SynthesizedStack } from "./synthesized-policies";

/** The parts of `terraform show -json <plan>` the summary reads. */
export interface PlanJson {
  readonly terraform_version?: string;
  readonly resource_changes?: Array<{ address: string; type: string; mode: string; change: { actions: string[] } }>;
}

/** The parts of a synthesized stack (cdk.tf.json) the summary reads. */
export type StackJson = SynthesizedStack;

/** Resources to add, change, replace and destroy, per resource type. */
export type ChangeCounts = Record<string, { add: number; change: number; replace: number; destroy: number }>;

/** Counts the planned changes of managed resources by type. */
export function countChanges(plan: PlanJson): ChangeCounts {
  const counts: ChangeCounts = {};
  for (const { type, mode, change } of plan.resource_changes ?? []) {
    if (mode !== "managed") continue;
    const row = (counts[type] ??= { add: 0, change: 0, replace: 0, destroy: 0 });
    const actions = change.actions.join(",");
    if (actions === "create") row.add++;
    else if (actions === "update") row.change++;
    else if (actions === "delete") row.destroy++;
    else if (actions.includes("create") && actions.includes("delete")) row.replace++;
  }
  return counts;
}

/** The changes of all types together: `{ add, change, replace, destroy }`. */
export function totalChanges(counts: ChangeCounts): ChangeCounts[string] {
  const total = (key: keyof ChangeCounts[string]) => Object.values(counts).reduce((sum, row) => sum + row[key], 0);
  return { add: total("add"), change: total("change"), replace: total("replace"), destroy: total("destroy") };
}

/** The totals as a sentence: `23 to add, 0 to change, 0 to replace, 0 to destroy`. */
export function changesSentence(counts: ChangeCounts): string {
  const { add, change, replace, destroy } = totalChanges(counts);
  return `${add} to add, ${change} to change, ${replace} to replace, ${destroy} to destroy`;
}

/** A Markdown summary of a plan for review: changes by type, then every IAM trust and inline policy in full. */
export function planSummary(stackName: string, plan: PlanJson, stack: StackJson, mode: string): string {
  const counts = countChanges(plan);
  const lines = [
    `# Plan: ${stackName}`,
    "",
    `${mode} Terraform ${plan.terraform_version ?? "?"}.`,
    "",
    `**${changesSentence(counts)}.**`,
    "",
    "| resource type | add | change | replace | destroy |",
    "|---|---:|---:|---:|---:|",
    ...Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, c]) => `| \`${type}\` | ${c.add} | ${c.change} | ${c.replace} | ${c.destroy} |`),
    "",
    "## IAM policies",
    "",
    "References to resources not yet created appear as Terraform interpolations (`${...}`).",
  ];
  for (const [id, role] of Object.entries(stack.resource?.aws_iam_role ?? {})) {
    lines.push("", `### Role \`${String(role.name ?? id)}\`: trust policy`, "", ...policyBlock(stack, role.assume_role_policy));
  }
  for (const [id, policy] of Object.entries(stack.resource?.aws_iam_role_policy ?? {})) {
    lines.push("", `### Inline policy \`${String(policy.name ?? id)}\` of role \`${roleName(stack, policy.role)}\``, "", ...policyBlock(stack, policy.policy));
  }
  return `${lines.join("\n")}\n`;
}

/** A fenced JSON block with the policy a `${data.aws_iam_policy_document.X.json}` reference (or a literal) names. */
function policyBlock(stack: StackJson, reference: unknown): string[] {
  const policy = referencedPolicy(stack, reference) ?? reference;
  const text = typeof policy === "string" ? policy : JSON.stringify(policy, null, 2);
  return ["```json", text, "```"];
}

/** The name of the role a `${aws_iam_role.X.id}` reference points to. */
function roleName(stack: StackJson, reference: unknown): string {
  return String(referencedRole(stack, reference, ["id", "name"])?.body.name ?? reference);
}
