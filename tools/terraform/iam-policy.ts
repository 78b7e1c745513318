/**
 * Turns the statements of an `aws_iam_policy_document` data source, as synthesized, into the IAM policy JSON
 * it renders to. References to other resources stay as Terraform interpolations (`${aws_x.y.id}`).
 */

/** One `statement` block of aws_iam_policy_document, with snake_case keys as synthesized. */
export interface PolicyDocumentStatement {
  readonly sid?: string;
  readonly effect?: string;
  readonly actions?: string[];
  readonly not_actions?: string[];
  readonly resources?: string[];
  readonly not_resources?: string[];
  readonly principals?: Array<{ type: string; identifiers: string[] }>;
  readonly not_principals?: Array<{ type: string; identifiers: string[] }>;
  readonly condition?: Array<{ test: string; variable: string; values: string[] }>;
}

/** An IAM policy document. */
export interface IamPolicy {
  readonly Version: "2012-10-17";
  readonly Statement: Array<Record<string, unknown>>;
}

/** The IAM policy JSON of a list of aws_iam_policy_document statements. */
export function iamPolicy(statements: readonly PolicyDocumentStatement[]): IamPolicy {
  return { Version: "2012-10-17", Statement: statements.map(iamStatement) };
}

function iamStatement(s: PolicyDocumentStatement): Record<string, unknown> {
  const statement: Record<string, unknown> = {};
  if (s.sid) statement.Sid = s.sid;
  statement.Effect = s.effect ?? "Allow";
  if (s.principals) statement.Principal = principals(s.principals);
  if (s.not_principals) statement.NotPrincipal = principals(s.not_principals);
  if (s.actions) statement.Action = s.actions;
  if (s.not_actions) statement.NotAction = s.not_actions;
  if (s.resources) statement.Resource = s.resources;
  if (s.not_resources) statement.NotResource = s.not_resources;
  if (s.condition) {
    const condition: Record<string, Record<string, string[]>> = {};
    for (const { test, variable, values } of s.condition) (condition[test] ??= {})[variable] = values;
    statement.Condition = condition;
  }
  return statement;
}

function principals(list: Array<{ type: string; identifiers: string[] }>): Record<string, string[]> {
  return Object.fromEntries(list.map(({ type, identifiers }) => [type, identifiers]));
}
