import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KeptProvider } from "../../../../tools/terraform/kept-provider";
import { isAlive } from "../../../../tools/cli/lifecycle";
import { prepareTerraform, terraform, terraformOrThrow } from "../../../../tools/terraform/terraform";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/** A stack that needs the AWS provider and no cloud: the partition data source is answered by the provider itself. */
const STACK = {
  terraform: { required_providers: { aws: { source: "hashicorp/aws", version: "5.100.0" } } },
  provider: { aws: [{ region: "us-east-1", access_key: "x", secret_key: "y", skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: "true" }] },
  data: { aws_partition: { current: {} } },
  output: { partition: { value: "${data.aws_partition.current.partition}" } },
};

interface Reattach {
  readonly [address: string]: { readonly Pid: number; readonly Addr: { readonly String: string } };
}

const pidOf = (env: Record<string, string>) => (JSON.parse(env.TF_REATTACH_PROVIDERS) as Reattach)["registry.terraform.io/hashicorp/aws"].Pid;

/** The dev loop's kept AWS provider (kept-provider.ts), with the real Terraform and provider. */
describeWhen(missing("terraform"))("KeptProvider", () => {
  let dir: string;
  const provider = new KeptProvider();

  beforeAll(async () => {
    prepareTerraform();
    dir = ownFolder("kept-provider-test");
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify(STACK));
    await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
  }, 120_000);
  afterAll(async () => {
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test("Terraform in the directory attaches to one provider it did not start, for every command", async () => {
    const env = await provider.envFor(dir);
    const pid = pidOf(env);
    // Its socket is in a directory only this user may enter.
    const socket = (JSON.parse(env.TF_REATTACH_PROVIDERS) as Reattach)["registry.terraform.io/hashicorp/aws"].Addr.String;
    expect(dirname(socket)).toMatch(new RegExp(`^${tmpdir()}/kept-provider-`));
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
    expect(isAlive(pid)).toBe(true);
    for (let run = 0; run < 2; run++) {
      const plan = await terraformOrThrow(["plan", "-input=false"], dir, env);
      expect(plan.stdout).toContain('partition = "aws"');
    }
    expect(pidOf(await provider.envFor(dir))).toBe(pid);
    // Terraform leaves an unmanaged provider running.
    expect(isAlive(pid)).toBe(true);
  }, 120_000);

  test("Terraform uses that provider, not one of its own: with it gone, the old setting fails; the next use starts another", async () => {
    const stale = await provider.envFor(dir);
    const old = pidOf(stale);
    process.kill(old, "SIGKILL");
    while (isAlive(old)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await terraform(["plan", "-input=false"], dir, stale)).code).not.toBe(0);
    const env = await provider.envFor(dir);
    expect(pidOf(env)).not.toBe(old);
    expect((await terraformOrThrow(["plan", "-input=false"], dir, env)).stdout).toContain('partition = "aws"');
  }, 120_000);

  test("stop() ends it and removes its socket's directory; a directory without an installed provider gets no setting", async () => {
    const env = await provider.envFor(dir);
    const { Pid, Addr } = (JSON.parse(env.TF_REATTACH_PROVIDERS) as Reattach)["registry.terraform.io/hashicorp/aws"];
    await provider.stop();
    expect(isAlive(Pid)).toBe(false);
    expect(existsSync(dirname(Addr.String))).toBe(false);
    const empty = ownFolder("kept-provider-none");
    try {
      expect(await provider.envFor(empty)).toEqual({});
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
