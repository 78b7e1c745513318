import { UsageError } from "./command";

/** The one stage a command takes as its argument; a missing or extra argument is a usage error naming what was given. */
export function oneStage(positionals: readonly string[], usage: string): string {
  if (positionals.length !== 1) {
    const given = positionals.length === 0 ? "no stage given" : `expected one stage, got ${positionals.join(" ")}`;
    throw new UsageError(`${given} (usage: ${usage})`);
  }
  return positionals[0];
}
