import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Writes `outputs` to `file` in the shape of `cdktf deploy --outputs-file`: `{ "<stack>": { "<Output>": value } }`.
 * A relative `file` is taken from where the user ran `npm run` (npm's `INIT_CWD`), as cdktf takes it from its cwd.
 * Returns the absolute path written.
 */
export function writeOutputsFile(file: string, stack: string, outputs: Readonly<Record<string, string>>): string {
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
  writeFileSync(path, `${JSON.stringify({ [stack]: outputs }, null, 2)}\n`);
  return path;
}
