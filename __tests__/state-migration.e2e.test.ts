import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../config";
import { LocalCloud, startLocalCloud } from "../tools/local-cloud/front";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../tools/local-cloud/local-account";
import { motoMissing } from "../tools/local-cloud/moto";
import { prepareLocalStack } from "../tools/terraform/local-deploy";
import { synthesize } from "../tools/terraform/synthesize";
import { cliConfigFile, terraform, terraformMissing, terraformOrThrow } from "../tools/terraform/terraform";
import { describeWhen } from "./support/requires";

/** The state keys of the dev stage: as 0.1.0 wrote them, and with the region since. */
const OLD_KEY = "api-auth-cognito/dev/terraform.tfstate";
const NEW_KEY = "api-auth-cognito/dev/us-east-1/terraform.tfstate";

/**
 * MIGRATING.md's move of a 0.1.0 state to the key with the region, run as written (the two `terraform init`s) with
 * the real Terraform on a stage deployed to the local cloud under the old key, in a fresh working directory as a new
 * checkout or CI has it.
 */
describeWhen(terraformMissing() ?? motoMissing())("moving a 0.1.0 state to the key with the region", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let s3: S3Client;
  let checkout: string;

  beforeAll(async () => {
    cliConfigFile();
    scratch = mkdtempSync(join(tmpdir(), "state-migration-"));
    cloud = await startLocalCloud();
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const stack = synthesize(join(scratch, "out"), { stages: ["dev"] }).find((s) => s.manifest?.stage === "dev")!;
    // 0.1.0: the same stack, deployed with its state under the old key.
    const old = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "0.1.0"));
    await terraformOrThrow(["init", "-input=false", "-reconfigure", `-backend-config=key=${OLD_KEY}`], old);
    await terraformOrThrow(["apply", "-auto-approve", "-input=false"], old);
    // After the upgrade, in a working directory that has never seen the old key.
    checkout = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "checkout"));
  }, 300_000);

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the upgraded stack points at the new key, where nothing is yet: without the move, it would deploy everything again", async () => {
    await expect(s3.send(new HeadObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: NEW_KEY }))).rejects.toMatchObject({ name: "NotFound" });
    const plan = await terraform(["plan", "-input=false", "-lock=false"], checkout);
    expect(plan.stdout).toMatch(/Plan: 25 to add, 0 to change, 0 to destroy\./);
  }, 120_000);

  test("the two documented inits copy the state to the new key, and the next plan has nothing to do", async () => {
    await terraformOrThrow(["init", "-input=false", "-reconfigure", `-backend-config=key=${OLD_KEY}`], checkout);
    // The new key given on the command line too: Terraform compares what the last init used, command line included.
    const moved = await terraformOrThrow(["init", "-input=false", "-migrate-state", "-force-copy", `-backend-config=key=${NEW_KEY}`], checkout);
    expect(moved.stdout).toContain("Backend configuration changed!");
    const state = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: NEW_KEY }))).Body!.transformToString());
    expect(state.resources.filter((r: { mode: string }) => r.mode === "managed")).toHaveLength(25);
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], checkout);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
  }, 180_000);
});
