import { Token } from "cdktf";
import { quoted, ValidationError } from "./validation";

/** App and stage names, and logical names: lowercase letters, digits and single hyphens. */
const NAME_PART = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The longest name prefix (`<app>-<stage>`) the constructs take: the longest name made from it is a
 * `CognitoAuth`'s guest role, `<prefix>-unauthenticated`, and IAM allows 64 characters in a role name.
 */
export const MAX_NAME_PREFIX_LENGTH = 64 - "-unauthenticated".length;

/**
 * Makes the physical name of a resource from its app, stage and logical name: `api-auth-cognito-dev-private`.
 *
 * Every physical name in a stage starts with `<app>-<stage>-`, so two stages in one account never collide.
 */
export function physicalName(app: string, stage: string, logicalName?: string): string {
  const parts: Array<[string, string | undefined]> = [["app name", app], ["stage name", stage], ["logical name", logicalName]];
  for (const [what, value] of parts) {
    if (value !== undefined && !NAME_PART.test(value)) {
      throw new ValidationError(`invalid ${what} ${quoted(value)}: expected lowercase letters, digits and single hyphens, starting with a letter`);
    }
  }
  return [app, stage, logicalName].filter((part) => part !== undefined).join("-");
}

/** Short codes of the words of AWS region names; any other word (`iso`, `isob`) to its first and last letters. */
const REGION_WORD_CODES: Readonly<Record<string, string>> = {
  central: "c", east: "e", west: "w", north: "n", south: "s", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw", gov: "g",
};

/** The longest {@link regionCode} of a region that `assertRegion` accepts: such as `usibse12` (area, partition, direction, number). */
export const MAX_REGION_CODE_LENGTH = 8;

/**
 * A region's short code for names that are global to an account (IAM roles): `us-east-1` is `use1`,
 * `ap-southeast-2` is `apse2`, `us-gov-west-1` is `usgw1`, so the same stage in two regions of one account never
 * collides.
 */
export function regionCode(region: string): string {
  const [area, ...rest] = region.split("-");
  const number = rest.pop() ?? "";
  return [area, ...rest.map((word) => REGION_WORD_CODES[word] ?? `${word[0]}${word.slice(-1)}`), number].join("");
}

/** Throws unless `name` is at most `maxLength` characters of `pattern`, as AWS requires for the named resource type. Tokens pass unchecked. */
export function assertPhysicalName(name: string, pattern: RegExp, maxLength: number, what: string, allowed: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length === 0 || name.length > maxLength || !pattern.test(name)) {
    throw new ValidationError(`invalid ${what} ${quoted(name)}: expected 1 to ${maxLength} characters of ${allowed}`);
  }
}

/**
 * The physical name of a resource named after another one: `<base>-<suffix>`, such as the user pool
 * `api-auth-cognito-dev-users` of the prefix `api-auth-cognito-dev`.
 */
export function derivedName(base: string, suffix: string): string {
  return `${base}-${suffix}`;
}

/** An identity pool's name for a name prefix: identity pool names allow letters, digits, spaces and underscores only. */
export function identityPoolName(prefix: string): string {
  return prefix.replace(/-/g, "_");
}

/** The log group Lambda writes a function's logs to: `/aws/lambda/<function name>`. */
export function lambdaLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/**
 * The log group an HTTP API's `$default` stage writes its access logs to: `/aws/vendedlogs/apigateway/<api>/access`.
 * API Gateway delivers access logs through CloudWatch Logs delivery, which adds every log group outside
 * `/aws/vendedlogs/` to one account-wide resource policy of at most 5,120 characters; once that is full, creating a
 * stage fails with "Insufficient permissions to enable logging". Groups under the prefix need no entry there.
 */
export function accessLogGroupName(apiName: string): string {
  return `/aws/vendedlogs/apigateway/${apiName}/access`;
}

/** The name of a role's inline policy that does `purpose` on `target` (an API or function name), in IAM's character set. */
export function inlinePolicyName(purpose: string, target: string): string {
  return `${purpose}-${target.replace(/[^\w+=,.@-]/g, "-")}`;
}
