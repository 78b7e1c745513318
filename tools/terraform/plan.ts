import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChangeCounts, countChanges, planSummary } from "./plan-summary";
import { awsProviderOverride } from "./provider-override";
import { prepareStack } from "./stack-workdir";
import { SynthesizedStack } from "./synthesize";
import { assertStateBucketBootstrapped, type StageManifest } from "../../app/contract";
import { OFFLINE_ACCOUNT, startOfflineSts } from "./offline-sts";
import { terraformOrThrow } from "./terraform";
import { step } from "../cli/terminal";

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
 * port but STS, answered in process with a fake account (offline-sts.ts), a local empty state, so it shows what a
 * first deploy would create. With `remote` it uses the stack's
 * own S3 backend and the caller's AWS credentials, as in a pull request pipeline.
 */
export async function planStack(stack: SynthesizedStack, workdir: string, outdir: string, remote = false): Promise<PlanResult> {
  const stackJson = JSON.parse(readFileSync(join(stack.dir, "cdk.tf.json"), "utf8"));
  // Before Terraform starts: its S3 backend checks only that a bucket is named, then reads the state there.
  if (remote) assertStateBucketBootstrapped(stackJson.terraform?.backend?.s3?.bucket);
  const sts = remote ? undefined : await startOfflineSts();
  try {
    const offline = sts && awsProviderOverride(NOWHERE, "offline-plan", true);
    const override = offline && { provider: offline.provider, terraform: { backend: { local: { path: "terraform.tfstate" } } } };
    const { dir, archivesStoodIn } = await prepareStack(stack.dir, workdir, override, offline && { ...offline.env, AWS_ENDPOINT_URL_STS: sts!.endpoint });
    step(`terraform init: ${stack.name}`);
    await terraformOrThrow(["init", "-input=false", "-reconfigure"], dir);
    const planRole = remote ? stack.manifest?.roles?.plan : undefined;
    step(`terraform plan: ${stack.name}${remote ? ` (remote state and account${planRole ? `, as ${planRole}` : ""})` : " (offline)"}`);
    const text = planText((await terraformOrThrow(planArgs(stack.manifest, remote), dir)).stdout);
    const json = (await terraformOrThrow(["show", "-json", "tfplan"], dir)).stdout;
    return writePlan(stack, stackJson, outdir, text, json, remote, archivesStoodIn);
  } finally {
    await sts?.stop();
  }
}

/**
 * The arguments of `terraform plan` for a stage: a stage in another account is planned remotely through its
 * read-only role there (`-var`), never its deploy role, the variable's default (app/stacks/stage-stack.ts).
 */
export function planArgs(manifest: StageManifest | undefined, remote: boolean): string[] {
  const roles = remote ? manifest?.roles : undefined;
  return ["plan", "-input=false", ...(roles?.plan ? [`-var=${roles.variable}=${roles.plan}`] : []), "-out=tfplan"];
}

/** Writes `plan.txt`, `plan.json` and `summary.md` of a plan into `outdir`. */
function writePlan(stack: SynthesizedStack, stackJson: object, outdir: string, text: string, json: string, remote: boolean, archivesStoodIn: readonly string[]): PlanResult {
  const plan = JSON.parse(json);
  const mode = remote ? "Plan against the stack's S3 backend and AWS account," : `Offline plan (fake credentials and account ${OFFLINE_ACCOUNT}, no AWS calls, empty state),`;
  mkdirSync(outdir, { recursive: true });
  const files = { text: join(outdir, "plan.txt"), json: join(outdir, "plan.json"), summary: join(outdir, "summary.md") };
  writeFileSync(files.text, text);
  writeFileSync(files.json, json);
  writeFileSync(files.summary, planSummary(stack.name, plan, stackJson, mode));
  return { stack: stack.name, counts: countChanges(plan), files, archivesStoodIn };
}

/** What Terraform prints before a plan while it reads data sources and refreshes state: progress, not the plan. */
const PROGRESS = /^\S+: (Reading\.\.\.|Read complete after|Refreshing state\.\.\.|Still reading\.\.\.|Still refreshing\.\.\.|Preparing import\.\.\.)/;

/**
 * The plan for review out of what `terraform plan -out` printed, as `terraform show` prints the saved plan (which
 * would start the AWS provider once more): without the progress lines before it and the note on the saved file after.
 */
export function planText(stdout: string): string {
  const lines = stdout.replace(/\n+$/, "").split("\n");
  const start = lines.findIndex((line) => line.trim() !== "" && !PROGRESS.test(line));
  let end = lines.findIndex((line) => line.startsWith("Saved the plan to: "));
  if (end === -1) end = lines.length;
  // The rule and blank lines Terraform puts before that note.
  while (end > start && /^[─\s]*$/.test(lines[end - 1])) end--;
  return `${lines.slice(Math.max(start, 0), end).join("\n")}\n`;
}
