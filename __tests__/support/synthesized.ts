import { TerraformDataSource, TerraformResource } from "cdktf";
import { referencedStatements } from "../../tools/terraform/synthesized-policies";

/** Reading synthesized Terraform JSON (`Testing.synth` output) in tests. */

/** The parsed JSON of one synthesized stack. */
export type Synthesized = {
  terraform?: { backend?: Record<string, Record<string, unknown>>; required_providers?: Record<string, unknown> };
  provider?: Record<string, Array<Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
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
