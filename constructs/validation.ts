import { Token } from "cdktf";

/**
 * An error in the input of a construct or of the app's configuration.
 *
 * Its message names the value received and what is allowed, so the app can print it as one line.
 */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValidationError";
  }
}

/** How many characters of a value {@link quoted} shows before it cuts the rest. */
export const QUOTED_LENGTH = 80;

/** Characters a terminal acts on or a reader cannot see: C0 and C1 controls, DEL, Unicode line and bidi controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every {@link CONTROL} character escaped: `\n`, `\r`, `\t`, else `\u001b` and the like. */
function escapeControls(text: string): string {
  const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  return text.replace(CONTROL, (c) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * `value` as it should appear in a message: a string in double quotes, with quotes, backslashes and control
 * characters escaped (so the message stays one line and no escape sequence reaches a terminal), any other value as
 * JSON (`42`, `null`, `["a"]`); cut after {@link QUOTED_LENGTH} characters, saying how many more there were. Every
 * message that names a user-given value uses it.
 */
export function quoted(value: unknown): string {
  const isString = typeof value === "string";
  const text = isString ? value : (JSON.stringify(value) ?? String(value));
  const chars = [...text];
  const cut = chars.length > QUOTED_LENGTH;
  const kept = cut ? chars.slice(0, QUOTED_LENGTH).join("") : text;
  const shown = isString ? `"${escapeControls(kept.replace(/[\\"]/g, "\\$&"))}"` : escapeControls(kept);
  return cut ? `${shown}… (${chars.length - QUOTED_LENGTH} more characters)` : shown;
}

/** `message` as one line that is safe to print: its control characters escaped as {@link quoted} does, nothing cut. */
export function oneLine(message: string): string {
  return escapeControls(message);
}

/** AWS region codes such as `us-east-1`, `eu-central-2` or `us-gov-west-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** Throws unless `region` looks like an AWS region code. Tokens pass unchecked. */
export function assertRegion(region: string, what = "region"): void {
  if (Token.isUnresolved(region)) return;
  if (!REGION_PATTERN.test(region)) {
    throw new ValidationError(`invalid ${what} ${quoted(region)}: expected an AWS region code such as us-east-1 or eu-west-2`);
  }
}

/** Throws unless `value` is a whole number from `min` to `max`. Tokens pass unchecked. */
export function assertIntegerInRange(value: number, min: number, max: number, what: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`invalid ${what} ${quoted(value)}: expected a whole number from ${min} to ${max}`);
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T>(value: T, allowed: readonly T[], what: string): void {
  if (!allowed.includes(value)) {
    throw new ValidationError(`invalid ${what} ${quoted(value)}: expected one of ${allowed.join(", ")}`);
  }
}

/** Why `name` is not a valid S3 general purpose bucket name without dots, or `undefined` when it is. */
function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "it must be 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "it may hold only lowercase letters, digits, dots and hyphens";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return "it must begin and end with a letter or digit";
  if (name.includes("..")) return "it may not hold two dots in a row";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "it may not look like an IP address";
  const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
  if (prefix) return `it may not start with "${prefix}"`;
  const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => name.endsWith(s));
  if (suffix) return `it may not end with "${suffix}"`;
  // S3 allows dots, but TLS certificates of virtual-hosted-style addresses do not match names with them.
  if (name.includes(".")) return "it may not contain dots (HTTPS to virtual-hosted-style S3 addresses fails on them)";
  return undefined;
}

/** Throws unless `name` is a valid S3 bucket name without dots, saying which rule it breaks. Tokens pass unchecked. */
export function assertBucketName(name: string, what = "bucket name"): void {
  if (Token.isUnresolved(name)) return;
  const problem = bucketNameProblem(name);
  if (problem) throw new ValidationError(`invalid ${what} ${quoted(name)}: ${problem}`);
}

/** IAM managed policy ARNs: `arn:<partition>:iam::<account or aws>:policy/<path><name>`. */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

/** Throws unless `arn` is an IAM managed policy's ARN, such as a permissions boundary's. Tokens pass unchecked. */
export function assertPolicyArn(arn: string, what: string): void {
  if (Token.isUnresolved(arn)) return;
  if (!POLICY_ARN.test(arn)) throw new ValidationError(`invalid ${what} ${quoted(arn)}: expected an IAM policy ARN, arn:aws:iam::<12-digit account>:policy/<name>`);
}
