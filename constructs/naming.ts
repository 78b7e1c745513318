import { Token } from "cdktf";
import { ValidationError } from "./validation";

/** App and stage names, and logical names: lowercase letters, digits and single hyphens. */
const NAME_PART = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Makes the physical name of a resource from its app, stage and logical name: `api-auth-cognito-dev-private`.
 *
 * Every physical name in a stage starts with `<app>-<stage>-`, so two stages in one account never collide.
 */
export function physicalName(app: string, stage: string, logicalName?: string): string {
  const parts: Array<[string, string | undefined]> = [["app name", app], ["stage name", stage], ["logical name", logicalName]];
  for (const [what, value] of parts) {
    if (value !== undefined && !NAME_PART.test(value)) {
      throw new ValidationError(`invalid ${what} "${value}": expected lowercase letters, digits and single hyphens, starting with a letter`);
    }
  }
  return [app, stage, logicalName].filter((part) => part !== undefined).join("-");
}

/** Throws unless `name` is at most `maxLength` characters of `pattern`, as AWS requires for the named resource type. Tokens pass unchecked. */
export function assertPhysicalName(name: string, pattern: RegExp, maxLength: number, what: string, allowed: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length === 0 || name.length > maxLength || !pattern.test(name)) {
    throw new ValidationError(`invalid ${what} "${name}": expected 1 to ${maxLength} characters of ${allowed}`);
  }
}
