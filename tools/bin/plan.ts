import { runCommand } from "../cli/command";

/** `npm run plan -- <stage>...`: a reviewable `terraform plan` per stage. */
runCommand(module, {
  usage: "npm run plan -- <stage>... [--remote] [--detailed-exitcode] [--out DIR]",
  description:
    "Synthesizes the named stages and runs the real terraform plan on each, writing plan.txt, plan.json and summary.md (changes by resource type, every IAM policy in full) to plans/<stack>/, or to --out. Offline by default: fake credentials, every AWS endpoint on a dead loopback port and an empty state, so it shows what a first deploy creates and touches no account.",
  options: {
    remote: { type: "boolean", description: "plan against the stack's S3 backend and the caller's AWS account (as CI does)" },
    "detailed-exitcode": { type: "boolean", description: "as terraform plan's: exit 2 when a stage has changes (drift, against --remote), 0 when none has" },
    out: { type: "string", valueName: "DIR", description: "the folder the plans are written to, one folder per stack (default plans/)" },
  },
  arguments: { name: "stage", min: 1, max: Infinity },
  examples: ["npm run plan -- dev", "npm run plan -- dev prod --remote", "npm run plan -- prod --remote --detailed-exitcode", "npm run plan -- dev --out /tmp/plans"],
  async run(options, stages) {
    const { runStoppable } = await import("../terraform/terraform");
    // Ctrl-C interrupts a remote plan's Terraform and waits for it to release the stage's state lock.
    return runStoppable(() => plan(options, stages));
  },
});

/** Plans each stage; exit 2 with --detailed-exitcode when one has changes. */
async function plan(options: Readonly<Record<string, string | boolean | undefined>>, stages: readonly string[]): Promise<number> {
  const { join, resolve } = await import("node:path");
  const { stageNamed } = await import("../../app/contract");
  for (const stage of stages) stageNamed(stage);
  const { prepareTerraform } = await import("../terraform/terraform");
  const { PROJECT_ROOT, WORK_ROOT } = await import("../shared/paths");
  const { synthesize, stageStack } = await import("../terraform/synthesize");
  const { planStack } = await import("../terraform/plan");
  const { changesSentence, totalChanges } = await import("../terraform/plan-summary");
  const { ARCHIVE_STAND_IN_NOTE } = await import("../terraform/archive-stand-in");
  const { note } = await import("../cli/terminal");
  // A relative --out is taken from where the user ran npm run (npm's INIT_CWD).
  const plans = typeof options.out === "string" ? resolve(process.env.INIT_CWD ?? process.cwd(), options.out) : join(PROJECT_ROOT, "plans");
  prepareTerraform();
  const stacks = synthesize(join(WORK_ROOT, "synth", "plan"), { stages });
  let changed = false;
  for (const stage of stages) {
    const stack = stageStack(stacks, stage);
    const result = await planStack(stack, join(WORK_ROOT, "plan", stack.name), join(plans, stack.name), options.remote === true);
    if (result.archivesStoodIn.length > 0) note(ARCHIVE_STAND_IN_NOTE);
    changed ||= Object.values(totalChanges(result.counts)).some((n) => n > 0);
    console.log(`${stack.name}: ${changesSentence(result.counts)}; summary in ${result.files.summary}`);
  }
  return options["detailed-exitcode"] === true && changed ? 2 : 0;
}
