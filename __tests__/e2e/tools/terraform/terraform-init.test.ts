import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prepareTerraform, terraform, terraformOrThrow } from "../../../../tools/terraform/terraform";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/** A stack that pins the AWS provider at `version`, as cdktf's synth pins it. */
const pinning = (version: string) => JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } } });
const INIT = ["init", "-backend=false", "-input=false"];

/**
 * `terraform init` as the tools run it (plan, validate, local deploys, dev, bootstrap) in a working directory they
 * keep between runs, with its lock file: after a provider upgrade the kept lock names the old version.
 */
describeWhen(missing("terraform"))("terraform init in a kept working directory", () => {
  beforeAll(() => prepareTerraform());

  test("a lock file of another provider version than the stack pins is moved to the pinned one, as cdktf diff does", async () => {
    const dir = ownFolder("terraform-init-upgrade");
    writeFileSync(join(dir, "main.tf.json"), pinning("5.100.0"));
    await terraformOrThrow(INIT, dir);
    const lock = join(dir, ".terraform.lock.hcl");
    // What a directory kept from before a provider upgrade holds: a lock of the version the stack pinned then.
    writeFileSync(lock, readFileSync(lock, "utf8").replace(/"5\.100\.0"/g, '"5.99.0"'));
    const refused = await terraform(INIT, dir);
    expect([refused.code, refused.stderr.replace(/\s+/g, " ")]).toEqual([1, expect.stringContaining("must use terraform init -upgrade")]);

    await terraformOrThrow(INIT, dir);
    expect(readFileSync(lock, "utf8")).toMatch(/version\s+= "5\.100\.0"/);
  }, 120_000);

  test("a provider version that cannot be had still fails, with Terraform's own message", async () => {
    const dir = ownFolder("terraform-init-missing");
    writeFileSync(join(dir, "main.tf.json"), pinning("5.99.0"));
    await expect(terraformOrThrow(INIT, dir)).rejects.toThrow(/^terraform init failed in .*\n[\s\S]*no available releases match the given constraints 5\.99\.0/);
  }, 120_000);
});
