import { Token } from "cdktf";
import { assertOneOf } from "./validation";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Throws unless `days` is a retention period CloudWatch Logs accepts. Tokens pass unchecked. */
export function assertLogRetention(days: number, what: string): void {
  if (Token.isUnresolved(days)) return;
  assertOneOf(days, LOG_RETENTION_DAYS, what);
}
