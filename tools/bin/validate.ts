import { runCommand } from "../cli/command";

/** `npm run validate`: the real `terraform validate` on every stack, as JSON and as HCL. */
runCommand(module, {
  usage: "npm run validate",
  description:
    "Synthesizes every stack as JSON and as HCL (cdktf synth --hcl) into .tfwork/synth/, then runs the real terraform init -backend=false and terraform validate on them, in one run with each stack a module (the AWS provider's schema is read once): no backend, no AWS account. Prints one line per stack; exits 1 if any is invalid.",
  async run() {
    const { prepareTerraform } = await import("../terraform/terraform");
    const { validateApp } = await import("../terraform/validate");
    const { ARCHIVE_STAND_IN_NOTE } = await import("../terraform/archive-stand-in");
    const { note } = await import("../cli/terminal");
    prepareTerraform();
    const results = await validateApp();
    if (results.some((r) => r.archivesStoodIn.length > 0)) note(ARCHIVE_STAND_IN_NOTE);
    for (const r of results) {
      console.log(`${r.valid ? "valid  " : "INVALID"} ${r.stack} (${r.format})`);
      for (const d of r.diagnostics) console.log(`  ${d.severity}: ${d.summary}${d.detail ? ` (${d.detail})` : ""}`);
    }
    return results.every((r) => r.valid) ? 0 : 1;
  },
});
