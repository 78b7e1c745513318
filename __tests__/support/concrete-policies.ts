import { iamPolicy, IamPolicy } from "../../tools/terraform/iam-policy";
import { documentStatements, referencedPolicyDocument, roleId, unrenderedKeys } from "../../tools/terraform/synthesized-policies";
import { parse, Synthesized } from "./synthesized";

/**
 * The IAM policies of a synthesized stack as AWS would hold them after `terraform apply`: every Terraform reference
 * replaced by a fake but realistic value, so an IAM policy evaluator can judge real request ARNs against them.
 *
 * Anything this module cannot translate faithfully (an unknown reference, a policy that is not an
 * `aws_iam_policy_document`, a managed-policy attachment) throws: a new permission must not slip past the tests
 * unread.
 */

/** The fake account every stage deploys to. */
export const ACCOUNT = "111122223333";
/** The region every stage deploys to (the app's default). */
export const REGION = "us-east-1";

/** The IDs AWS would give one stage's resources: fake, and different per stage, so cross-stage access shows. */
export interface DeployedIds {
  /** ID of the stage's HTTP API, e.g. `devapi1234`. */
  readonly apiId: string;
  /** ID of the stage's identity pool, `us-east-1:<uuid>`. */
  readonly identityPoolId: string;
}

/** One IAM role with its policies in concrete IAM JSON. */
export interface ConcreteRole {
  readonly name: string;
  readonly arn: string;
  readonly trustPolicy: IamPolicy;
  /** The role's inline policies (`aws_iam_role_policy`). */
  readonly identityPolicies: Array<{ name: string; policy: IamPolicy }>;
}

/** A Lambda function with what it runs as and where it logs. */
export interface ConcreteFunction {
  readonly name: string;
  readonly arn: string;
  readonly role: ConcreteRole;
  /** ARN of the log group the function writes to. */
  readonly logGroupArn: string;
}

/** The IAM view of one deployed stack. */
export interface ConcreteStack {
  readonly executionArn: string;
  /** Per Terraform address, `aws_iam_role.<id>`. */
  readonly roles: Readonly<Record<string, ConcreteRole>>;
  readonly functions: readonly ConcreteFunction[];
  /** ARNs of every log group of the stack. */
  readonly logGroupArns: readonly string[];
}

/** The ARN of the execute-api resource of an API: the prefix of its route ARNs. */
export function executionArn(apiId: string): string {
  return `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}`;
}

/** The ARN of a log group, as the `arn` attribute of `aws_cloudwatch_log_group` has it (no `:*` suffix). */
export function logGroupArn(name: string): string {
  return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
}

// Resource types and role arguments that grant permissions this module does not read.
const UNREAD_PERMISSION_TYPES = [
  "aws_iam_policy",
  "aws_iam_role_policy_attachment",
  "aws_iam_role_policy_attachments_exclusive",
  "aws_iam_policy_attachment",
];
const UNREAD_ROLE_ARGUMENTS = ["inline_policy", "managed_policy_arns", "permissions_boundary"];

/** Reads every role, inline policy, function and log group of `synth` (`Testing.synth` output), with `ids` for its references. */
export function concreteStack(synth: string, ids: DeployedIds): ConcreteStack {
  const stack = parse(synth);
  const resources = (type: string) => stack.resource?.[type] ?? {};
  for (const type of UNREAD_PERMISSION_TYPES) {
    if (Object.keys(resources(type)).length > 0) throw new Error(`${type} grants permissions that concrete-policies.ts does not read`);
  }

  const roles: Record<string, ConcreteRole> = {};
  for (const [id, role] of Object.entries(resources("aws_iam_role"))) {
    const address = `aws_iam_role.${id}`;
    for (const argument of UNREAD_ROLE_ARGUMENTS) {
      if (role[argument] !== undefined) throw new Error(`${address} sets ${argument}, which concrete-policies.ts does not read`);
    }
    const name = literal(role.name, `${address}.name`);
    roles[address] = {
      name,
      arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      trustPolicy: concretePolicy(stack, ids, role.assume_role_policy, `${address}.assume_role_policy`),
      identityPolicies: [],
    };
  }
  for (const [id, policy] of Object.entries(resources("aws_iam_role_policy"))) {
    const address = `aws_iam_role_policy.${id}`;
    const role = roles[roleAddress(policy.role, `${address}.role`)];
    if (!role) throw new Error(`${address} belongs to a role that is not in this stack: ${String(policy.role)}`);
    role.identityPolicies.push({
      name: literal(policy.name, `${address}.name`),
      policy: concretePolicy(stack, ids, policy.policy, `${address}.policy`),
    });
  }

  const functions = Object.entries(resources("aws_lambda_function")).map(([id, fn]): ConcreteFunction => {
    const address = `aws_lambda_function.${id}`;
    const name = literal(fn.function_name, `${address}.function_name`);
    const role = roles[roleAddress(fn.role, `${address}.role`)];
    if (!role) throw new Error(`${address} runs as a role that is not in this stack: ${String(fn.role)}`);
    // cdktf writes a single nested block as an object; Terraform JSON allows a one-element list as well.
    const config = [fn.logging_config].flat()[0] as { log_group?: unknown } | undefined;
    const logGroup = config?.log_group === undefined ? `/aws/lambda/${name}` : logGroupName(stack, config.log_group, `${address}.logging_config`);
    return { name, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`, role, logGroupArn: logGroupArn(logGroup) };
  });

  const logGroupArns = Object.entries(resources("aws_cloudwatch_log_group")).map(([id, group]) =>
    logGroupArn(literal(group.name, `aws_cloudwatch_log_group.${id}.name`)),
  );
  return { executionArn: executionArn(ids.apiId), roles, functions, logGroupArns };
}

/** The IAM JSON of the `aws_iam_policy_document` that `reference` (`${data.aws_iam_policy_document.X.json}`) names. */
function concretePolicy(stack: Synthesized, ids: DeployedIds, reference: unknown, where: string): IamPolicy {
  const document = referencedPolicyDocument(stack, reference);
  if (!document) throw new Error(`${where} is not a reference to a synthesized aws_iam_policy_document: ${String(reference)}`);
  // Keys iamPolicy() does not render (override_policy_documents, ...) would be lost.
  const unrendered = unrenderedKeys(document.body);
  assertNone(unrendered.document, document.address);
  unrendered.statements.forEach((keys, i) => assertNone(keys, `${document.address}.statement[${i}]`));
  return mapStrings(iamPolicy(documentStatements(document.body)), (text) => concreteText(stack, ids, text, where));
}

/** `text` with every Terraform interpolation replaced by the value it takes once deployed; throws on one it does not know. */
function concreteText(stack: Synthesized, ids: DeployedIds, text: string, where: string): string {
  // aws_iam_policy_document writes IAM policy variables as &{...}; iamPolicy() does not translate them.
  if (text.includes("&{") || text.includes("%{")) throw new Error(`${where}: cannot translate "${text}" (policy variable or template directive)`);
  const concrete = text.replace(/\$\{([^{}]*)\}/g, (_, expression: string) => {
    const [type, id, attribute, ...rest] = expression.split(".");
    const resource = rest.length === 0 ? stack.resource?.[type]?.[id] : undefined;
    const only = (what: string) => {
      // The fake IDs are per stack: a second API or identity pool would need IDs of its own.
      if (Object.keys(stack.resource?.[type] ?? {}).length !== 1) throw new Error(`${where}: expected exactly one ${type} per stack, for ${what}`);
    };
    if (resource && type === "aws_apigatewayv2_api" && attribute === "execution_arn") {
      only("the fake API id");
      return executionArn(ids.apiId);
    }
    if (resource && type === "aws_cognito_identity_pool" && attribute === "id") {
      only("the fake identity pool id");
      return ids.identityPoolId;
    }
    if (resource && type === "aws_cloudwatch_log_group" && attribute === "arn") {
      return logGroupArn(literal(resource.name, `${type}.${id}.name`));
    }
    throw new Error(`${where}: no concrete value for \${${expression}}; teach __tests__/support/concrete-policies.ts what it deploys to`);
  });
  if (concrete.includes("${")) throw new Error(`${where}: cannot translate "${text}"`);
  return concrete;
}

/** The name of the log group a `${aws_cloudwatch_log_group.X.name}` reference (or a literal name) names. */
function logGroupName(stack: Synthesized, reference: unknown, where: string): string {
  const match = /^\$\{aws_cloudwatch_log_group\.([\w-]+)\.name\}$/.exec(String(reference));
  if (!match) return literal(reference, where);
  const group = stack.resource?.aws_cloudwatch_log_group?.[match[1]];
  if (!group) throw new Error(`${where} names a log group that is not in this stack: ${String(reference)}`);
  return literal(group.name, `aws_cloudwatch_log_group.${match[1]}.name`);
}

/** The address `aws_iam_role.X` that a `${aws_iam_role.X.id|name|arn}` reference points to. */
function roleAddress(reference: unknown, where: string): string {
  const id = roleId(reference);
  if (id === undefined) throw new Error(`${where} is not a reference to an aws_iam_role of this stack: ${String(reference)}`);
  return `aws_iam_role.${id}`;
}

/** `value`, which must be a plain string with no Terraform interpolation. */
function literal(value: unknown, where: string): string {
  if (typeof value !== "string" || value.includes("${")) throw new Error(`${where} is not a literal string: ${String(value)}`);
  return value;
}

function assertNone(unknown: readonly string[], where: string): void {
  if (unknown.length > 0) throw new Error(`${where} sets ${unknown.join(", ")}, which concrete-policies.ts does not translate`);
}

/** A deep copy of `value` with `f` applied to every string in it. */
function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === "string") return f(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [f(key), mapStrings(item, f)])) as T;
  }
  return value;
}
