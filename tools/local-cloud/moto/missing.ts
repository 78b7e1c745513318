import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** Whether moto can run on this machine, which Python runs it, and how to get it where it cannot. */

/** How to get moto where it is missing. */
export const INSTALL_HINT = 'install it with: pip install "moto[server]" (or pipx install "moto[server]")';

let python: string | undefined;

/**
 * The Python that has moto: the interpreter `moto_server`'s first line names (a pipx or virtualenv install keeps moto
 * in a Python of its own), else `python3` (a pyenv shim, or a `pip install` into the machine's Python). Asked once.
 */
export function motoPython(): string {
  python ??= interpreterOf(onPath("moto_server")) ?? "python3";
  return python;
}

/**
 * Why moto cannot run here, in one line with how to get it, or `undefined` when it can; for tests that need it. Half
 * a second of CPU (it starts Python and imports moto's server): the commands start moto and report the same faults
 * instead.
 */
export function motoMissing(): string | undefined {
  // Importing it, not just finding Python: a pyenv shim is on PATH even when the active Python lacks moto.
  const interpreter = motoPython();
  const result = spawnSync(interpreter, ["-c", "import moto.server, werkzeug, joserfc"], { stdio: "ignore", timeout: 15_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `${interpreter} is not on PATH (${INSTALL_HINT})`;
  if (result.error || result.status !== 0) return `${interpreter} cannot import moto's server (${INSTALL_HINT})`;
  return undefined;
}

/** The file `command` runs from PATH, if any. */
function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const file = join(dir, command);
    if (dir && statSync(file, { throwIfNoEntry: false })?.isFile()) return file;
  }
  return undefined;
}

/** The Python interpreter a script's `#!` line names by absolute path, if it names one. */
export function interpreterOf(script: string | undefined): string | undefined {
  if (script === undefined) return undefined;
  const head = Buffer.alloc(256);
  const descriptor = openSync(script, "r");
  try {
    const line = head.subarray(0, readSync(descriptor, head, 0, head.length, 0)).toString("utf8").split("\n")[0];
    const named = /^#!\s*(\S*python[\d.]*)\s*$/.exec(line)?.[1];
    return named !== undefined && isAbsolute(named) ? named : undefined;
  } finally {
    closeSync(descriptor);
  }
}
