import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/** The outputs `npm run dev` adds to the stack's: where the local API and the local cloud listen. */
export const LOCAL_OUTPUT_NAMES = { api: "LocalApiEndpoint", cloud: "LocalCloudEndpoint" } as const;

/** Where an outputs file `file` is: a relative path is taken from where the user ran `npm run` (npm's `INIT_CWD`), as cdktf takes it from its cwd. */
function outputsPath(file: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/**
 * Writes `outputs` to `file` in the shape of `cdktf deploy --outputs-file`: `{ "<stack>": { "<Output>": value } }`.
 * A relative `file` is taken as {@link outputsPath} takes it.
 * Returns the absolute path written.
 */
export function writeOutputsFile(file: string, stack: string, outputs: Readonly<Record<string, string>>): string {
  const path = outputsPath(file);
  // Whole or not at all: a reader (a script waiting for dev, `npm run smoke`) never sees half a file.
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify({ [stack]: outputs }, null, 2)}\n`);
  renameSync(partial, path);
  return path;
}

/**
 * The outputs of `stack` in an outputs file of `cdktf deploy --outputs-file` or `npm run dev --outputs-file`, with a
 * relative `file` taken as {@link writeOutputsFile} takes it. Throws one line naming the file and what is wrong.
 */
export function readOutputsFile(file: string, stack: string): Record<string, string> {
  const path = outputsPath(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error(`outputs file ${path} not found: write it with npx cdktf deploy ${stack} --outputs-file ${file}, or npm run dev -- --outputs-file ${file}`);
  }
  let all: Record<string, unknown>;
  try {
    all = JSON.parse(text);
  } catch {
    throw new Error(`outputs file ${path} is not JSON: expected { "${stack}": { "<Output>": value } } as cdktf deploy --outputs-file writes it`);
  }
  const outputs = all?.[stack];
  if (typeof outputs !== "object" || outputs === null) {
    throw new Error(`outputs file ${path} has no outputs of ${stack}: it holds ${Object.keys(all ?? {}).join(", ") || "nothing"}`);
  }
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, String(value)]));
}
