import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SETTING_SOURCES, stageNamed } from "../../config";
import { readStageManifest, StageManifest } from "../../stage-manifest";
import { step } from "../cli/terminal";
import { PROJECT_ROOT } from "./terraform";

/** A synthesized stack: its name, the directory holding its Terraform, and, for a stage, what the app published of it. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dir: string;
  /** The stage's manifest; `undefined` for a stack that is not a stage (the state bucket's). */
  readonly manifest?: StageManifest;
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions {
  /** Only these stages (validated by name first). @default the configured stages */
  readonly stages?: readonly string[];
  /** HCL instead of JSON, as `cdktf synth --hcl`. @default false */
  readonly hcl?: boolean;
}

/**
 * Synthesizes the app into `outdir` the way `cdktf synth` runs it (`tsx main.ts` with cdktf's environment
 * variables) and lists the stacks this synth wrote, from cdktf's own manifest. `outdir` belongs to the tool: it is
 * emptied first, so no stack or file of an earlier synth (another stage, region or format) is ever picked up.
 * Throws with the app's own one-line message when synth fails.
 */
export function synthesize(outdir: string, options: SynthesizeOptions = {}): SynthesizedStack[] {
  const stages = options.stages?.map((name) => stageNamed(name).name);
  step(`synthesizing ${stages ? stages.join(", ") : "the configured stages"}${options.hcl ? " (HCL)" : ""}`);
  rmSync(outdir, { recursive: true, force: true });
  // cdktf's App creates only the last level of its output directory.
  mkdirSync(outdir, { recursive: true });
  const stageSetting = stages ? { [SETTING_SOURCES.stages.env]: stages.join(",") } : {};
  // The tools point stacks where they deploy them themselves (override files): always synthesize the AWS stacks.
  const targetSetting = { [SETTING_SOURCES.target.env]: "aws" };
  const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["main.ts"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...stageSetting, ...targetSetting, CDKTF_OUTDIR: outdir, SYNTH_HCL_OUTPUT: String(options.hcl ?? false) },
  });
  if (result.status !== 0) throw new Error(`synth failed: ${(result.stderr || result.stdout).trim()}`);
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { workingDirectory: string }> };
  return Object.entries(manifest.stacks).map(([name, { workingDirectory }]) => {
    const dir = join(outdir, workingDirectory);
    return { name, dir, manifest: readStageManifest(dir) };
  });
}

/** The synthesized stack of `stage` among `stacks`; throws when the synth did not write it. */
export function stageStack(stacks: readonly SynthesizedStack[], stage: string): SynthesizedStack & { readonly manifest: StageManifest } {
  const found = stacks.find((stack) => stack.manifest?.stage === stage);
  if (!found) throw new Error(`the synth wrote no stack for stage "${stage}"`);
  return found as SynthesizedStack & { readonly manifest: StageManifest };
}
