import { join } from "node:path";
import { prepareStack } from "./stack-workdir";
import { synthesize, SynthesizedStack } from "./synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing, terraformOrThrow, WORK_ROOT } from "./terraform";
import { runCli } from "../cli/run-cli";

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
  await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
  const result = await terraformOrThrow(["validate", "-json"], dir).catch((error: Error) => {
    // validate exits 1 on invalid configuration but still prints its JSON report.
    const json = error.message.slice(error.message.indexOf("{"));
    return { stdout: json, stderr: "", code: 1 };
  });
  const report = JSON.parse(result.stdout) as { valid: boolean; diagnostics: Diagnostic[] };
  return { stack: stack.name, format, valid: report.valid, diagnostics: report.diagnostics, archivesStoodIn };
}

/** Synthesizes the app as JSON (into cdktf.out) and as HCL, and validates every stack of both. */
export async function validateApp(workRoot = WORK_ROOT, jsonOutdir = join(PROJECT_ROOT, "cdktf.out")): Promise<Validation[]> {
  const json = synthesize(jsonOutdir).map((stack) => ({ stack, format: "json" as const }));
  const hcl = synthesize(join(workRoot, "synth-hcl"), true).map((stack) => ({ stack, format: "hcl" as const }));
  return Promise.all(
    [...json, ...hcl].map(({ stack, format }) => validateStack(stack, format, join(workRoot, "validate", format, stack.name))),
  );
}

async function main(): Promise<number> {
  const missing = terraformMissing();
  if (missing) {
    console.error(`Error: ${missing}`);
    return 1;
  }
  cliConfigFile();
  const results = await validateApp();
  const stoodIn = results.find((r) => r.archivesStoodIn.length > 0);
  if (stoodIn) {
    console.log("note: the archive provider cannot be installed here; the Lambda zips were built by tools/terraform/archive-stand-in.ts");
  }
  for (const r of results) {
    console.log(`${r.valid ? "valid  " : "INVALID"} ${r.stack} (${r.format})`);
    for (const d of r.diagnostics) console.log(`  ${d.severity}: ${d.summary}${d.detail ? ` (${d.detail})` : ""}`);
  }
  return results.every((r) => r.valid) ? 0 : 1;
}

runCli(module, main);
