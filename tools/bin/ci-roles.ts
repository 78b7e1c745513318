import { runCommand } from "../cli/command";

/** `npm run ci-roles`: the calls Terraform makes over a stage's life, the CI roles' policies, and the simulator's verdict. */
runCommand(module, {
  usage: "npm run ci-roles [-- --json]",
  description:
    "Starts a local cloud, takes the dev stage through plan, apply, the smoke test CI runs after a deploy (npm run smoke, the local key pair standing in for the deploy role's credentials, its API served as npm run dev serves it), plan, an update of every kind of resource in place with tags added, a later update that removes them and changes the functions' roles' trust policies, and destroy with the real Terraform, and records every AWS call Terraform and the smoke test make. Prints each distinct call (the phases that made it, its IAM action and resource), the calls that need no permission (Cognito's public InitiateAuth, GetId, GetCredentialsForIdentity), the plan role's and dev's deploy role's policies (app/ci-permissions.ts) for the local account, and the IAM policy simulator's verdict: the deploy role allows every call, the plan role every call of a plan and no change. Exits 1 if a check fails. Takes about a minute.",
  options: { json: { type: "boolean", description: "print the calls, policies and verdict as one JSON object" } },
  async run(options) {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { deployStatements, planStatements, policyDocument, CI_ROLE_NAMES } = await import("../../app/contract");
    const { recordTerraformCalls } = await import("../ci-roles/terraform-calls");
    const { checkRoles } = await import("../ci-roles/role-check");
    const { step } = await import("../cli/terminal");
    const { prepareTerraform } = await import("../terraform/terraform");
    prepareTerraform();
    const scratch = mkdtempSync(join(tmpdir(), "ci-roles-"));
    try {
      const recording = await recordTerraformCalls(scratch, (phase) => (phase === "end" ? undefined : step(phase === "smoke" ? "recording: the smoke test" : `recording: terraform ${phase}`)));
      const scope = { accountId: recording.accountId, regions: [recording.region], stateBucket: recording.stateBucket };
      // The recorded stage's environment's role (dev's): it may touch that stage only.
      const [plan, deploy] = [planStatements(scope), deployStatements({ ...scope, stages: recording.stage })];
      step("deciding every call with the IAM policy simulator");
      const check = await checkRoles(recording, plan, deploy);
      // One row per distinct request, the same resource of many calls once; ids AWS picked shown as they were.
      const rows = new Map<string, Set<string>>();
      for (const request of check.requests) {
        const key = `${request.action} ${request.resource}`;
        rows.set(key, (rows.get(key) ?? new Set()).add(request.phase));
      }
      const free = [...new Set(recording.calls.flatMap((call) => (call.iam.kind === "free" ? [`${call.iam.action}: ${call.iam.why}`] : [])))];
      const verdict = {
        deployRefuses: check.deployRefuses,
        planRefuses: check.planRefuses,
        planAllowsChanges: check.planAllowsChanges,
      };
      const ok = Object.values(verdict).every((list) => list.length === 0);
      if (options.json) {
        const calls = [...rows].map(([key, phases]) => ({ request: key, phases: [...phases] }));
        console.log(JSON.stringify({ calls, free, policies: { [CI_ROLE_NAMES.plan]: policyDocument(plan), [CI_ROLE_NAMES.dev]: policyDocument(deploy) }, verdict }, null, 2));
      } else {
        console.log(`# ${recording.calls.length} calls by Terraform and the smoke test, ${rows.size} distinct requests (with what AWS checks besides), account ${recording.accountId}, ${recording.region}`);
        for (const [key, phases] of [...rows].sort(([a], [b]) => a.localeCompare(b))) console.log(`${key}  [${[...phases].join(", ")}]`);
        for (const line of free) console.log(`(no permission) ${line}`);
        console.log(`\n# ${CI_ROLE_NAMES.plan}\n${JSON.stringify(policyDocument(plan), null, 2)}`);
        console.log(`\n# ${CI_ROLE_NAMES.dev}\n${JSON.stringify(policyDocument(deploy), null, 2)}`);
        console.log(`\n# verdict`);
        console.log(`deploy role: allows ${check.requests.length - check.deployRefuses.length} of ${check.requests.length} requests`);
        const plans = check.requests.filter((request) => request.plan).length;
        console.log(`plan role: allows ${plans - check.planRefuses.length} of ${plans} requests of a plan; denies ${check.changesChecked - check.planAllowsChanges.length} of ${check.changesChecked} changes`);
        for (const line of [...check.deployRefuses.map((l) => `deploy role refuses ${l}`), ...check.planRefuses.map((l) => `plan role refuses ${l}`), ...check.planAllowsChanges.map((l) => `plan role allows ${l}`)]) {
          console.log(`FAIL ${line}`);
        }
      }
      return ok ? 0 : 1;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
});
