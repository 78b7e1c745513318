import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareStack } from "./stack-workdir";
import { synthesize, SynthesizedStack } from "./synthesize";
import { terraform, terraformOrThrow } from "./terraform";
import { WORK_ROOT } from "../shared/paths";
import { step } from "../cli/terminal";

/** One diagnostic of `terraform validate -json`. */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail?: string;
  /** Where Terraform found it, relative to the folder it validated. */
  readonly range?: { readonly filename: string };
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

/** A stack to validate, in one of the two formats cdktf writes. */
export interface StackToValidate {
  readonly stack: SynthesizedStack;
  readonly format: Validation["format"];
}

/** What `terraform validate -json` reports. */
interface Report {
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates a synthesized stack with `terraform init -backend=false` and `terraform validate`: the real Terraform and
 * AWS provider, no backend and no AWS account.
 */
export async function validateStack(stack: SynthesizedStack, format: Validation["format"], workdir: string): Promise<Validation> {
  const { dir, archivesStoodIn } = await prepareStack(stack.dir, workdir);
  step(`validating ${stack.name} (${format})`);
  const { valid, diagnostics } = await validate(dir, stack.name);
  return { stack: stack.name, format, valid, diagnostics, archivesStoodIn };
}

/**
 * Validates several synthesized stacks with one `terraform validate`: each is a child module of one root module in
 * `workdir` (a working copy, with the archive stand-in where the archive provider cannot install), so the AWS provider
 * starts and its schema is read once rather than once per stack, and each diagnostic is the stack's whose files it
 * names. Should anything be invalid, each stack is validated again on its own, as the root module: an error can stop
 * Terraform before it looked at the other modules.
 */
export async function validateStacks(stacks: readonly StackToValidate[], workdir: string): Promise<Validation[]> {
  const alone = () => Promise.all(stacks.map(({ stack, format }, i) => validateStack(stack, format, join(workdir, `stack${i}`))));
  if (stacks.length < 2) return alone();
  mkdirSync(workdir, { recursive: true });
  const modules = stacks.map(({ stack, format }, i) => ({ name: `stack${i}`, stack, format }));
  const prepared = await Promise.all(modules.map(({ name, stack }) => prepareStack(stack.dir, join(workdir, name))));
  writeFileSync(join(workdir, "main.tf.json"), JSON.stringify({ module: Object.fromEntries(modules.map(({ name }) => [name, { source: `./${name}` }])) }, null, 2));
  step(`validating ${stacks.map(({ stack, format }) => `${stack.name} (${format})`).join(", ")} in one run`);
  const report = await validate(workdir, `${stacks.length} stacks`);
  if (!report.valid) return alone();
  // A stack called as a module: Terraform ignores its backend, and says so; that is not the stack's.
  const diagnostics = report.diagnostics.filter((d) => d.summary !== "Backend configuration ignored");
  const inModule = (d: Diagnostic, name: string) => d.range?.filename.startsWith(`${name}/`) ?? false;
  const unplaced = diagnostics.filter((d) => !modules.some(({ name }) => inModule(d, name)));
  return modules.map(({ name, stack, format }, i) => ({
    stack: stack.name,
    format,
    valid: true,
    diagnostics: [...diagnostics.filter((d) => inModule(d, name)), ...unplaced],
    archivesStoodIn: prepared[i].archivesStoodIn,
  }));
}

/** `terraform init -backend=false` and `terraform validate -json` in `dir`; its report, whatever the exit. */
async function validate(dir: string, what: string): Promise<Report> {
  await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
  // validate exits 1 on an invalid configuration, and prints its JSON report on stdout either way.
  const result = await terraform(["validate", "-json"], dir);
  try {
    return JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`terraform validate of ${what} printed no report (exit ${result.code}):\n${(result.stderr || result.stdout).trim()}`);
  }
}

/** Synthesizes the app as JSON and as HCL, each into its own folder under `workRoot`, and validates every stack of both. */
export async function validateApp(workRoot = WORK_ROOT): Promise<Validation[]> {
  const json = synthesize(join(workRoot, "synth", "json")).map((stack) => ({ stack, format: "json" as const }));
  const hcl = synthesize(join(workRoot, "synth", "hcl"), { hcl: true }).map((stack) => ({ stack, format: "hcl" as const }));
  return validateStacks([...json, ...hcl], join(workRoot, "validate"));
}
