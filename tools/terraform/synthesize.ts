import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./terraform";

/** A synthesized stack: its name and the directory holding its Terraform. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dir: string;
}

/**
 * Synthesizes the app into `outdir` the way `cdktf synth` (or `cdktf synth --hcl` when `hcl` is set) runs it,
 * as `tsx main.ts` with cdktf's environment variables, and lists the stacks written. Throws with the app's
 * own one-line message when synth fails.
 */
export function synthesize(outdir: string, hcl = false): SynthesizedStack[] {
  // cdktf's App creates only the last level of its output directory.
  mkdirSync(outdir, { recursive: true });
  const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["main.ts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: outdir, SYNTH_HCL_OUTPUT: String(hcl) },
  });
  if (result.status !== 0) throw new Error(`synth failed: ${(result.stderr || result.stdout).trim()}`);
  const stacks = join(outdir, "stacks");
  return readdirSync(stacks).map((name) => ({ name, dir: join(stacks, name) }));
}
