import { spawnSync } from "node:child_process";

/** Whether moto can run on this machine, and how to get it where it cannot. */

/** How to get moto where it is missing. */
export const INSTALL_HINT = 'install it with: pip install "moto[server]"';

/**
 * Why `moto_server` cannot run here, in one line with how to get it, or `undefined` when it can; for tests that need
 * it. Half a second of CPU (it starts Python and moto): the commands start moto and report the same faults instead.
 */
export function motoMissing(): string | undefined {
  // Running it, not just finding it on PATH: a pyenv shim is on PATH even when the active Python lacks moto.
  const result = spawnSync("moto_server", ["--help"], { stdio: "ignore", timeout: 15_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `moto_server is not on PATH (${INSTALL_HINT})`;
  if (result.error || result.status !== 0) return `moto_server is on PATH but does not run: \`moto_server --help\` failed (${INSTALL_HINT})`;
  return undefined;
}
