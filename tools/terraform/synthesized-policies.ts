import { iamPolicy, IamPolicy, PolicyDocumentStatement } from "./iam-policy";

/**
 * Following the IAM references of a synthesized stack (cdk.tf.json, or `Testing.synth` output): a policy attribute
 * that holds `${data.aws_iam_policy_document.X.json}` to the statements of that data source (and the IAM JSON
 * they render to), and a role attribute that holds `${aws_iam_role.X.id}` (or `.name`, `.arn`) to the role.
 * The plan summary and the tests read policies through this module only.
 */

/** The parts of a synthesized stack that hold IAM roles and policy documents. */
export interface SynthesizedStack {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** An element of the stack that a reference led to. */
export interface Referenced {
  /** Its logical id: the `X` of `aws_iam_role.X`. */
  readonly id: string;
  /** Its Terraform address: `aws_iam_role.X`, `data.aws_iam_policy_document.X`. */
  readonly address: string;
  /** Its synthesized body. */
  readonly body: Record<string, unknown>;
}

/** The attributes of an `aws_iam_role` that a reference to it may read. */
export type RoleAttribute = "id" | "name" | "arn";

const POLICY_DOCUMENT_REFERENCE = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/;
const ROLE_REFERENCE = /^\$\{aws_iam_role\.([\w-]+)\.(\w+)\}$/;

/** The keys of an `aws_iam_policy_document` body that {@link iamPolicy} renders (`//` is cdktf's metadata). */
export const RENDERED_DOCUMENT_KEYS: readonly string[] = ["//", "statement"];
/** The keys of a `statement` block that {@link iamPolicy} renders. */
export const RENDERED_STATEMENT_KEYS: readonly string[] = [
  "sid", "effect", "actions", "not_actions", "resources", "not_resources", "principals", "not_principals", "condition",
];

/** The logical id of the policy document that `reference` (`${data.aws_iam_policy_document.X.json}`) names, or undefined. */
export function policyDocumentId(reference: unknown): string | undefined {
  return POLICY_DOCUMENT_REFERENCE.exec(String(reference))?.[1];
}

/** The `aws_iam_policy_document` data source that `reference` names, or undefined when it names none of this stack. */
export function referencedPolicyDocument(stack: SynthesizedStack, reference: unknown): Referenced | undefined {
  const id = policyDocumentId(reference);
  const body = id === undefined ? undefined : stack.data?.aws_iam_policy_document?.[id];
  return body && id !== undefined ? { id, address: `data.aws_iam_policy_document.${id}`, body } : undefined;
}

/**
 * The `statement` blocks of a synthesized policy document, as written: the array itself (so a test may change the
 * stack through it), a single block as a one-element list, none as [].
 */
export function documentStatements(document: Record<string, unknown>): PolicyDocumentStatement[] {
  const statement = document.statement;
  if (statement === undefined || statement === null) return [];
  return (Array.isArray(statement) ? statement : [statement]) as PolicyDocumentStatement[];
}

/** The statements of the policy document that `reference` names, or undefined when it names none of this stack. */
export function referencedStatements(stack: SynthesizedStack, reference: unknown): PolicyDocumentStatement[] | undefined {
  const document = referencedPolicyDocument(stack, reference);
  return document && documentStatements(document.body);
}

/** The IAM policy JSON that the policy document `reference` names renders to, or undefined when it names none of this stack. */
export function referencedPolicy(stack: SynthesizedStack, reference: unknown): IamPolicy | undefined {
  const statements = referencedStatements(stack, reference);
  return statements && iamPolicy(statements);
}

/** The keys of a policy document, and of each of its statements, that {@link iamPolicy} would silently drop. */
export function unrenderedKeys(document: Record<string, unknown>): { document: string[]; statements: string[][] } {
  const unknown = (body: object, allowed: readonly string[]) => Object.keys(body).filter((key) => !allowed.includes(key));
  return {
    document: unknown(document, RENDERED_DOCUMENT_KEYS),
    statements: documentStatements(document).map((statement) => unknown(statement, RENDERED_STATEMENT_KEYS)),
  };
}

/**
 * The logical id of the role that `reference` (`${aws_iam_role.X.<attribute>}`) names, or undefined. Only the
 * given attributes count: a Lambda function's `role` is an ARN, an inline policy's `role` an id or a name.
 */
export function roleId(reference: unknown, attributes: readonly RoleAttribute[] = ["id", "name", "arn"]): string | undefined {
  const match = ROLE_REFERENCE.exec(String(reference));
  return match && (attributes as readonly string[]).includes(match[2]) ? match[1] : undefined;
}

/** The `aws_iam_role` that `reference` names, or undefined when it names none of this stack. */
export function referencedRole(stack: SynthesizedStack, reference: unknown, attributes?: readonly RoleAttribute[]): Referenced | undefined {
  const id = roleId(reference, attributes);
  const body = id === undefined ? undefined : stack.resource?.aws_iam_role?.[id];
  return body && id !== undefined ? { id, address: `aws_iam_role.${id}`, body } : undefined;
}
