import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readCdktfJson, readStageManifest, SETTING_SOURCES, StageManifest, stageNamed } from "../../app/contract";
import { step } from "../cli/terminal";
import { PROJECT_ROOT } from "../shared/paths";

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
  /** The project whose `main.ts` is run (a copy of this one, in tests). @default this project */
  readonly projectRoot?: string;
  /** Settings for the app, over this process's environment (`API_AUTH_COGNITO_GITHUB_REPOSITORY`, ...). @default none */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Synthesizes the app into `outdir` the way `cdktf synth` runs it (the project's cdktf.json `app`, with cdktf's
 * environment variables) and lists the stacks this synth wrote, from cdktf's own manifest. `outdir` belongs to the tool: it is
 * emptied first, so no stack or file of an earlier synth (another stage, region or format) is ever picked up.
 * Throws with the app's own one-line message when synth fails.
 */
export function synthesize(outdir: string, options: SynthesizeOptions = {}): SynthesizedStack[] {
  const { command, args, spawnOptions } = synthRun(outdir, options);
  const result = spawnSync(command, args, { ...spawnOptions, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`synth failed: ${(result.stderr || result.stdout).trim()}`);
  return synthesizedStacks(outdir);
}

/**
 * {@link synthesize} without blocking this process while the app runs: for tools that keep serving meanwhile
 * (`npm run dev` re-synthesizing after an edit of the infrastructure).
 */
export async function synthesizeAsync(outdir: string, options: SynthesizeOptions = {}): Promise<SynthesizedStack[]> {
  const { command, args, spawnOptions } = synthRun(outdir, options);
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(command, args, { ...spawnOptions, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
  if (result.code !== 0) throw new Error(`synth failed: ${(result.stderr || result.stdout).trim()}`);
  return synthesizedStacks(outdir);
}

/** The app run of a synth into `outdir`, after emptying it. */
function synthRun(outdir: string, options: SynthesizeOptions) {
  const stages = options.stages?.map((name) => stageNamed(name).name);
  const root = options.projectRoot ?? PROJECT_ROOT;
  step(`synthesizing ${stages ? stages.join(", ") : "the configured stages"}${options.hcl ? " (HCL)" : ""}`);
  rmSync(outdir, { recursive: true, force: true });
  // cdktf's App creates only the last level of its output directory.
  mkdirSync(outdir, { recursive: true });
  const stageSetting = stages ? { [SETTING_SOURCES.stages.env]: stages.join(",") } : {};
  // The tools point stacks where they deploy them themselves (override files): always synthesize the AWS stacks.
  const targetSetting = { [SETTING_SOURCES.target.env]: "aws" };
  const { app, context } = readCdktfJson(join(root, "cdktf.json"));
  // cdktf runs `app` as a shell command in the project directory, with cdktf.json's context in CDKTF_CONTEXT_JSON.
  return {
    command: "/bin/sh",
    args: ["-c", app],
    spawnOptions: { cwd: root, env: { ...process.env, ...options.env, ...stageSetting, ...targetSetting, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify(context), SYNTH_HCL_OUTPUT: String(options.hcl ?? false) } },
  };
}

/** The stacks a synth wrote into `outdir`, from cdktf's own manifest. */
function synthesizedStacks(outdir: string): SynthesizedStack[] {
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
