import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * The app's output folder (`cdktf.out`) is replaced whole or not at all. cdktf's `App` writes stack by stack into
 * its output folder, so a synth that fails half way (a full disk, a killed process) would leave it half new, half
 * old, and the next `cdktf deploy` would apply the mix. The app synthesizes into a fresh folder beside it instead,
 * and only a complete synth takes its place.
 */

/**
 * Terraform's own files in a stack's folder, kept across synths: its working folder and lock file (a deploy after a
 * synth need not `init` again) and any local state a stack keeps there (a local backend's default place).
 */
const isTerraformFile = (name: string) => name === ".terraform" || name === ".terraform.lock.hcl" || /\.tfstate(\.|$)/.test(name);

/** The folder a synth writes before it replaces `outdir`: beside it, so that the swap is a rename. */
export function stagingFolder(outdir: string): string {
  return `${outdir}.partial-${process.pid}`;
}

/** Puts the complete synth in `staging` in place of `outdir`, carrying each stack's Terraform files over. */
export function publishSynth(staging: string, outdir: string): void {
  const stacks = join(outdir, "stacks");
  for (const stack of existsSync(stacks) ? readdirSync(stacks) : []) {
    if (!existsSync(join(staging, "stacks", stack))) continue;
    for (const file of readdirSync(join(stacks, stack)).filter(isTerraformFile)) {
      renameSync(join(stacks, stack, file), join(staging, "stacks", stack, file));
    }
  }
  const previous = `${outdir}.previous-${process.pid}`;
  if (existsSync(outdir)) renameSync(outdir, previous);
  renameSync(staging, outdir);
  rmSync(previous, { recursive: true, force: true });
}

/** Removes what synths that were killed before they finished left beside `outdir` (their process is gone). */
export function removeAbandonedSynths(outdir: string): void {
  const parent = dirname(outdir);
  const left = new RegExp(`^${basename(outdir).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(partial|previous)-(\\d+)$`);
  for (const name of existsSync(parent) ? readdirSync(parent) : []) {
    const pid = Number(left.exec(name)?.[2]);
    if (pid && pid !== process.pid && !running(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Whether a process of `pid` runs (or exists but is not ours to signal). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The one line that says a synth could not be written (`error` is a file system error), or `undefined` for any other error. */
export function writeFailure(error: unknown, outdir: string): string | undefined {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== "string" || typeof syscall !== "string") return undefined;
  return `the synth could not be written (${code} on ${syscall}: ${(error as Error).message.split("\n")[0]}); ${outdir} is left as it was`;
}
