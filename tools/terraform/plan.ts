import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STAGES } from "../../config";
import { stackName } from "../../main";
import { ChangeCounts, countChanges, planSummary } from "./plan-summary";
import { awsProviderOverride } from "./provider-override";
import { prepareStack } from "./stack-workdir";
import { synthesize, SynthesizedStack } from "./synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing, terraformOrThrow, WORK_ROOT } from "./terraform";
import { runCli } from "../cli/run-cli";

/** Nothing listens on port 1 of loopback: an offline plan that tried to call AWS would fail at once. */
const NOWHERE = "http://127.0.0.1:1";

/** The files a plan writes, and what it found. */
export interface PlanResult {
  readonly stack: string;
  readonly counts: ChangeCounts;
  readonly files: { readonly text: string; readonly json: string; readonly summary: string };
  readonly archivesStoodIn: readonly string[];
}

/**
 * Plans one synthesized stack and writes `plan.txt`, `plan.json` and `summary.md` into `outdir`.
 *
 * Offline (the default) the plan touches no AWS account: fake credentials, every endpoint on a dead loopback
 * port, a local empty state, so it shows what a first deploy would create. With `remote` it uses the stack's
 * own S3 backend and the caller's AWS credentials, as in a pull request pipeline.
 */
export async function planStack(stack: SynthesizedStack, workdir: string, outdir: string, remote = false): Promise<PlanResult> {
  const override = remote
    ? undefined
    : { provider: awsProviderOverride(NOWHERE, "offline-plan", true), terraform: { backend: { local: { path: "terraform.tfstate" } } } };
  const { dir, archivesStoodIn } = await prepareStack(stack.dir, workdir, override);
  await terraformOrThrow(["init", "-input=false", "-reconfigure"], dir);
  await terraformOrThrow(["plan", "-input=false", "-out=tfplan"], dir);
  const text = (await terraformOrThrow(["show", "tfplan"], dir)).stdout;
  const json = (await terraformOrThrow(["show", "-json", "tfplan"], dir)).stdout;
  const plan = JSON.parse(json);
  const stackJson = JSON.parse(readFileSync(join(stack.dir, "cdk.tf.json"), "utf8"));
  const mode = remote ? "Plan against the stack's S3 backend and AWS account," : "Offline plan (fake credentials, no AWS calls, empty state),";
  mkdirSync(outdir, { recursive: true });
  const files = { text: join(outdir, "plan.txt"), json: join(outdir, "plan.json"), summary: join(outdir, "summary.md") };
  writeFileSync(files.text, text);
  writeFileSync(files.json, json);
  writeFileSync(files.summary, planSummary(stack.name, plan, stackJson, mode));
  return { stack: stack.name, counts: countChanges(plan), files, archivesStoodIn };
}

async function main(args: string[]): Promise<number> {
  const remote = args.includes("--remote");
  const stages = args.filter((arg) => arg !== "--remote");
  const known = STAGES.map((stage) => stage.name);
  const unknown = stages.find((stage) => !known.includes(stage));
  if (stages.length === 0 || unknown !== undefined) {
    console.error(`Error: ${unknown === undefined ? "no stage given" : `unknown stage "${unknown}"`}: expected one or more of ${known.join(", ")} (npm run plan -- dev [--remote])`);
    return 1;
  }
  const missing = terraformMissing();
  if (missing) {
    console.error(`Error: ${missing}`);
    return 1;
  }
  cliConfigFile();
  const stacks = synthesize(join(PROJECT_ROOT, "cdktf.out"));
  for (const stage of STAGES.filter((s) => stages.includes(s.name))) {
    const stack = stacks.find((s) => s.name === stackName(stage))!;
    const result = await planStack(stack, join(WORK_ROOT, "plan", stack.name), join(PROJECT_ROOT, "plans", stack.name), remote);
    if (result.archivesStoodIn.length > 0) console.log("note: the archive provider cannot be installed here; the Lambda zips were built by tools/terraform/archive-stand-in.ts");
    const add = Object.values(result.counts).reduce((sum, c) => sum + c.add, 0);
    console.log(`${stack.name}: ${add} to add; summary in ${result.files.summary}`);
  }
  return 0;
}

runCli(module, main);
