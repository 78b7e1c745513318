import { join } from "node:path";
import { prepareStack } from "./stack-workdir";
import { synthesize, SynthesizedStack } from "./synthesize";
import { terraform, terraformOrThrow, WORK_ROOT } from "./terraform";
import { step } from "../cli/terminal";

/** One diagnostic of `terraform validate -json`. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
}

/** The outcome of validating one stack. */
export interface Validation {
  readonly stack: string;
  readonly format: "json" | "hcl";
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** archive_file data sources replaced by the stand-in (empty when the archive provider installed). */
  readonly archivesStoodIn: readonly string[];
}

/**
 * Runs `terraform init -backend=false` and `terraform validate` on a working copy of a synthesized stack:
 * the real Terraform and AWS provider, no backend and no AWS account.
 */
export async function validateStack(stack: SynthesizedStack, format: Validation["format"], workdir: string): Promise<Validation> {
  const { dir, archivesStoodIn } = await prepareStack(stack.dir, workdir);
  step(`validating ${stack.name} (${format})`);
  await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
  // validate exits 1 on an invalid configuration, and prints its JSON report on stdout either way.
  const result = await terraform(["validate", "-json"], dir);
  let report: { valid: boolean; diagnostics: Diagnostic[] };
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`terraform validate of ${stack.name} printed no report (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}`);
  }
  return { stack: stack.name, format, valid: report.valid, diagnostics: report.diagnostics, archivesStoodIn };
}

/** Synthesizes the app as JSON and as HCL, each into its own folder under `workRoot`, and validates every stack of both. */
export async function validateApp(workRoot = WORK_ROOT): Promise<Validation[]> {
  const json = synthesize(join(workRoot, "synth", "json")).map((stack) => ({ stack, format: "json" as const }));
  const hcl = synthesize(join(workRoot, "synth", "hcl"), { hcl: true }).map((stack) => ({ stack, format: "hcl" as const }));
  step(`validating ${json.length + hcl.length} stacks (terraform init and validate, in parallel)`);
  return Promise.all(
    [...json, ...hcl].map(({ stack, format }) => validateStack(stack, format, join(workRoot, "validate", format, stack.name))),
  );
}
