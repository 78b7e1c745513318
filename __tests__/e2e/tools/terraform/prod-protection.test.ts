import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { apply, prepareLocalStack } from "../../../../tools/terraform/local-deploy";
import { stageStack, synthesize } from "../../../../tools/terraform/synthesize";
import { cliConfigFile, terraform } from "../../../../tools/terraform/terraform";
import { describeWhen, missing } from "../../../support/requires";
import { sharedCloud } from "../../../support/shared";
import { ownFolder } from "../../../support/test-run";

/** The managed resources in the state of the stack at `dir`, as `terraform state list` prints them. */
async function stateList(dir: string): Promise<string[]> {
  return (await terraform(["state", "list"], dir)).stdout.split("\n").filter((line) => line !== "" && !line.startsWith("data."));
}

/**
 * Prod deployed to the run's shared local cloud with the real Terraform (plans only read it): a destroy fails at plan time, before anything is deleted,
 * because its user pool and identity pool have prevent_destroy (Cognito's own deletion protection covers only the
 * user pool, and AWS checks it only when Terraform reaches the pool, after deleting what depends on it).
 */
describeWhen(missing("terraform", "moto"))("prod's pools survive terraform destroy", () => {
  let dir: string;

  beforeAll(async () => {
    cliConfigFile();
    const scratch = ownFolder("prod-protection");
    const cloud = await sharedCloud();
    dir = await prepareLocalStack(stageStack(synthesize(join(scratch, "out"), { stages: ["prod"] }), "prod"), cloud.endpoint, join(scratch, "prod"));
    const applied = await apply(dir);
    if (applied.code !== 0) throw new Error(`apply of prod failed: ${applied.stderr}`);
  }, 300_000);

  test("terraform destroy's plan fails at the identity pool, and deletes nothing", async () => {
    const before = await stateList(dir);
    expect(before.length).toBeGreaterThan(20);
    const refused = await terraform(["plan", "-destroy", "-input=false", "-no-color"], dir);
    expect(refused.code).toBe(1);
    // Terraform stops at the first guarded resource it would destroy: the identity pool, which goes before the user pool.
    const stderr = refused.stderr.replace(/\s+/g, " ");
    expect(stderr).toContain("Error: Instance cannot be destroyed");
    expect(stderr).toMatch(/Resource aws_cognito_identity_pool\.\w+ has lifecycle\.prevent_destroy set, but the plan calls for this resource to be destroyed/);
    expect(await stateList(dir)).toEqual(before);
  }, 120_000);

  test("a plan that would replace the user pool fails too, at the user pool", async () => {
    const userPool = (await stateList(dir)).find((address) => address.startsWith("aws_cognito_user_pool."))!;
    const plan = await terraform(["plan", `-replace=${userPool}`, "-refresh=false", "-input=false", "-no-color"], dir);
    expect(plan.code).toBe(1);
    expect(plan.stderr.replace(/\s+/g, " ")).toContain(`Resource ${userPool} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed`);
  }, 120_000);

  test("with deletionProtection off (the removal steps of docs/stages-and-deploys.md), the same stack's destroy plan goes through", async () => {
    // What a synth with deletionProtection: false writes for the pools' lifecycle (cognito-auth.test.ts proves it).
    const file = join(dir, "cdk.tf.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    for (const type of ["aws_cognito_user_pool", "aws_cognito_identity_pool"]) for (const pool of Object.values(config.resource[type]) as Array<{ lifecycle?: unknown }>) delete pool.lifecycle;
    writeFileSync(file, JSON.stringify(config, null, 2));
    const plan = await terraform(["plan", "-destroy", "-input=false", "-no-color"], dir);
    expect(plan.stderr).toBe("");
    expect(plan.stdout).toMatch(/Plan: 0 to add, 0 to change, \d+ to destroy\./);
  }, 120_000);
});
