import { accessSync, closeSync, constants, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { quoted } from "../../constructs/validation";

/** The outputs `npm run dev` adds to the stack's: where the local API and the local cloud listen. */
export const LOCAL_OUTPUT_NAMES = { api: "LocalApiEndpoint", cloud: "LocalCloudEndpoint" } as const;

/** Where an outputs file `file` is: a relative path is taken from where the user ran `npm run` (npm's `INIT_CWD`), as cdktf takes it from its cwd. */
function outputsPath(file: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/** The most bytes an outputs file may hold: a stage's outputs are a few hundred; anything near this is not one. */
export const MAX_OUTPUTS_FILE_BYTES = 1024 * 1024;

/**
 * Checks, before any work, that {@link writeOutputsFile} can write `file`: its folder exists and is writable, and the
 * name is not a folder or a device. Returns the absolute path; throws one line naming the value and what is allowed.
 */
export function checkOutputsFileTarget(file: string): string {
  const allowed = "expected the name of a file in an existing, writable folder";
  if (file.trim() === "") throw new Error(`invalid --outputs-file ${quoted(file)}: ${allowed}`);
  const path = outputsPath(file);
  const folder = dirname(path);
  const problem = (() => {
    const folderStat = statSync(folder, { throwIfNoEntry: false });
    if (folderStat === undefined) return `its folder ${quoted(folder)} does not exist`;
    if (!folderStat.isDirectory()) return `${quoted(folder)} is not a folder`;
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      return `its folder ${quoted(folder)} is not writable`;
    }
    const fileStat = statSync(path, { throwIfNoEntry: false });
    if (fileStat?.isDirectory()) return "it is a folder";
    if (fileStat !== undefined && !fileStat.isFile()) return "it is a device, pipe or socket, not a file";
    return undefined;
  })();
  if (problem !== undefined) throw new Error(`invalid --outputs-file ${quoted(file)}: ${problem}; ${allowed}`);
  return path;
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
  try {
    writeFileSync(partial, `${JSON.stringify({ [stack]: outputs }, null, 2)}\n`);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`cannot write the outputs file ${quoted(path)}: ${(error as Error).message}`);
  }
  return path;
}

/**
 * The outputs of `stack` in an outputs file of `cdktf deploy --outputs-file` or `npm run dev --outputs-file`, with a
 * relative `file` taken as {@link writeOutputsFile} takes it. Reads a regular file of at most
 * {@link MAX_OUTPUTS_FILE_BYTES} only: a device (`/dev/zero`), a pipe or a huge file is refused, not read. Throws one
 * line naming the file and what is wrong.
 */
export function readOutputsFile(file: string, stack: string): Record<string, string> {
  const path = outputsPath(file);
  const text = readBounded(path, file, stack);
  let all: Record<string, unknown>;
  try {
    all = JSON.parse(text);
  } catch {
    throw new Error(`outputs file ${quoted(path)} is not JSON: expected { "${stack}": { "<Output>": value } } as cdktf deploy --outputs-file writes it`);
  }
  const outputs = typeof all === "object" && all !== null ? all[stack] : undefined;
  if (typeof outputs !== "object" || outputs === null) {
    const held = typeof all === "object" && all !== null ? Object.keys(all).map(quoted).join(", ") : "";
    throw new Error(`outputs file ${quoted(path)} has no outputs of ${stack}: it holds ${held || "nothing"}`);
  }
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, String(value)]));
}

/** The text of the outputs file at `path`, read without blocking on a pipe and without reading past the limit. */
function readBounded(path: string, file: string, stack: string): string {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`outputs file ${quoted(path)} not found: write it with npx cdktf deploy ${stack} --outputs-file ${quoted(file)}, or npm run dev -- --outputs-file ${quoted(file)}`);
    }
    throw new Error(`outputs file ${quoted(path)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    const what = stat.isDirectory() ? "a folder" : "a device, pipe or socket";
    if (!stat.isFile()) throw new Error(`outputs file ${quoted(path)} is ${what}, not a file: expected the JSON file cdktf deploy --outputs-file writes`);
    const tooLarge = () => new Error(`outputs file ${quoted(path)} is larger than ${MAX_OUTPUTS_FILE_BYTES} bytes: expected the few hundred bytes of JSON cdktf deploy --outputs-file writes`);
    if (stat.size > MAX_OUTPUTS_FILE_BYTES) throw tooLarge();
    // One byte more than allowed: a file that grew since fstat is caught too.
    const buffer = Buffer.alloc(MAX_OUTPUTS_FILE_BYTES + 1);
    let length = 0;
    for (let read: number; length < buffer.length && (read = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += read;
    if (length > MAX_OUTPUTS_FILE_BYTES) throw tooLarge();
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}
