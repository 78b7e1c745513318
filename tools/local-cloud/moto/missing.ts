import { spawnSync } from "node:child_process";

/** Whether moto can run on this machine, and how to get it where it cannot. */

/** How to get moto where it is missing. */
export const INSTALL_HINT = 'install it with: pip install "moto[server]"';

/** The Python that runs moto's server: the one `pip install "moto[server]"` installs moto into. */
export const PYTHON = "python3";

/**
 * Why moto cannot run here, in one line with how to get it, or `undefined` when it can; for tests that need it. Half
 * a second of CPU (it starts Python and imports moto's server): the commands start moto and report the same faults
 * instead.
 */
export function motoMissing(): string | undefined {
  // Importing it, not just finding Python: a pyenv shim is on PATH even when the active Python lacks moto.
  const result = spawnSync(PYTHON, ["-c", "import moto.server, werkzeug, joserfc"], { stdio: "ignore", timeout: 15_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `${PYTHON} is not on PATH (${INSTALL_HINT})`;
  if (result.error || result.status !== 0) return `${PYTHON} cannot import moto's server (${INSTALL_HINT})`;
  return undefined;
}
