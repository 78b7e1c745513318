import { TerraformDataSource, TerraformResource } from "cdktf";
import { IamPolicy, PolicyDocumentStatement } from "../../tools/terraform/iam-policy";
import {
  documentStatements,
  policyDocumentId,
  referencedPolicy,
  referencedPolicyDocument,
  referencedStatements,
  unrenderedKeys,
} from "../../tools/terraform/synthesized-policies";

/** Reading synthesized Terraform JSON (`Testing.synth` output) in tests. */

/** The parsed JSON of one synthesized stack. */
export type Synthesized = {
  terraform?: { backend?: Record<string, Record<string, unknown>>; required_providers?: Record<string, unknown> };
  provider?: Record<string, Array<Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  variable?: Record<string, Record<string, unknown>>;
};

/** Parses `Testing.synth` output. */
export function parse(synth: string): Synthesized {
  return JSON.parse(synth) as Synthesized;
}

/** Every resource of `type`, by logical id. */
export function resourcesOf(synth: string, type: string): Record<string, Record<string, unknown>> {
  return parse(synth).resource?.[type] ?? {};
}

/** The synthesized body of one resource or data source. */
export function bodyOf(synth: string, element: TerraformResource | TerraformDataSource): Record<string, unknown> {
  const section = element instanceof TerraformDataSource ? parse(synth).data : parse(synth).resource;
  const body = section?.[element.terraformResourceType]?.[element.friendlyUniqueId];
  if (!body) throw new Error(`${addressOf(element)} is not in the synthesized stack`);
  return body;
}

/** The Terraform address of a resource (`aws_iam_role.Auth_Role_1234`), as references to it start. */
export function addressOf(element: TerraformResource | TerraformDataSource): string {
  const prefix = element instanceof TerraformDataSource ? "data." : "";
  return `${prefix}${element.terraformResourceType}.${element.friendlyUniqueId}`;
}

/** The interpolation that references `attribute` of `element`: `${aws_iam_role.Auth_Role_1234.arn}`. */
export function ref(element: TerraformResource | TerraformDataSource, attribute: string): string {
  return `\${${addressOf(element)}.${attribute}}`;
}

/** The body of the data source that a `${data.TYPE.ID.attribute}` reference points to. */
export function referencedData(synth: string, reference: unknown): Record<string, unknown> {
  const match = /^\$\{data\.([\w-]+)\.([\w-]+)\.\w+\}$/.exec(String(reference));
  const found = match ? parse(synth).data?.[match[1]]?.[match[2]] : undefined;
  if (!found) throw new Error(`not a reference to a synthesized data source: ${String(reference)}`);
  return found;
}

/** The statements of the `aws_iam_policy_document` that a policy attribute references. */
export function policyStatements(synth: string, reference: unknown): Array<Record<string, unknown>> {
  const statements = referencedStatements(parse(synth), reference);
  if (!statements) throw new Error(`not a reference to a synthesized aws_iam_policy_document: ${String(reference)}`);
  return statements as Array<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading parsed JSON the way the scanners do: snake_case keys, nested blocks as an object or a 1-element list.

/** The body of a resource, a data source or a nested block, as synthesized. */
export type Body = Record<string, unknown>;

/** Whether a value is a JSON object (not null, not a list). */
export function isObject(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as a list: arrays as they are, a missing value as [], anything else as [value]. */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A nested block, written as an object or a one-element list; undefined when absent. */
export function block(body: Body | undefined, key: string): Body | undefined {
  const value = body?.[key];
  const first = Array.isArray(value) ? value[0] : value;
  return isObject(first) ? first : undefined;
}

/** Whether the key is set at all (checkov's "key exists": any value, even ""). */
export function has(body: Body | undefined, key: string): boolean {
  return body !== undefined && body[key] !== undefined && body[key] !== null;
}

/** Non-empty in trivy's sense: set and not "". An unresolved reference counts as set. */
export function nonEmpty(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/** Every resource of `type` in the stack, as [address, body]. */
export function resourceEntries(doc: Synthesized, type: string): Array<[string, Body]> {
  return Object.entries(doc.resource?.[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body]);
}

/** Every `aws_iam_policy_document` data source of the stack, as [address, statements]. */
export function policyDocuments(doc: Synthesized): Array<[string, PolicyDocumentStatement[]]> {
  return Object.entries(doc.data?.aws_iam_policy_document ?? {}).map(([name, body]) => [`data.aws_iam_policy_document.${name}`, documentStatements(body)]);
}

/**
 * The IAM policy JSON a policy attribute holds: the statements of the `aws_iam_policy_document` it references, or
 * literal JSON. Anything else throws, so no policy escapes a check unread.
 */
export function policyOf(doc: Synthesized, value: unknown, where: string): IamPolicy {
  if (policyDocumentId(value) !== undefined) {
    const document = referencedPolicyDocument(doc, value);
    if (!document) throw new Error(`${where}: ${String(value)} names no synthesized policy document`);
    const unsupported = unrenderedKeys(document.body).document;
    if (unsupported.length > 0) throw new Error(`${where}: policy document uses ${unsupported.join(", ")}, which these readers cannot resolve`);
    return referencedPolicy(doc, value)!;
  }
  if (typeof value === "string") {
    try {
      return JSON.parse(value) as IamPolicy;
    } catch {
      // fall through: neither a reference nor JSON
    }
  }
  throw new Error(`${where}: cannot read policy ${JSON.stringify(value)}`);
}

/** One statement of an IAM policy in IAM JSON (`Effect`, `Action`, ...). */
export type Statement = Record<string, unknown>;

/** [address, statement] for every statement of the policies held in `attribute` of each resource of `type`. */
export function statementsOf(doc: Synthesized, type: string, attribute: string): Array<[string, Statement]> {
  return statementsIn(doc, resourceEntries(doc, type), attribute);
}

/** [address, statement] for every statement of the policies held in `attribute` of each of the given resources. */
export function statementsIn(doc: Synthesized, entries: Array<[string, Body]>, attribute: string): Array<[string, Statement]> {
  return entries.flatMap(([address, body]) =>
    policyOf(doc, body[attribute], `${address}.${attribute}`).Statement.map((statement): [string, Statement] => [address, statement]),
  );
}
