import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../../../app/config";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { prepareLocalStack } from "../../../../tools/terraform/local-deploy";
import { synthesize } from "../../../../tools/terraform/synthesize";
import { cliConfigFile, terraform, terraformOrThrow } from "../../../../tools/terraform/terraform";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/** The state keys of the dev stage: as 0.1.0 wrote them, and with the region since. */
const OLD_KEY = "api-auth-cognito/dev/terraform.tfstate";
const NEW_KEY = "api-auth-cognito/dev/us-east-1/terraform.tfstate";

/** The IAM role names of the dev stage: as 0.1.0 named them, and with the region's code since. */
const OLD_ROLES = ["api-auth-cognito-dev-authenticated", "api-auth-cognito-dev-public", "api-auth-cognito-dev-private"];
const NEW_ROLES = OLD_ROLES.map((name) => name.replace("api-auth-cognito-dev-", "api-auth-cognito-dev-use1-"));

/**
 * Makes the stack in `dir` 0.1.0's: role names without the region code, the access log group outside
 * `/aws/vendedlogs/`, no user pool tier, and the identity pool trusting tokens without the user pool's check.
 */
function as010(dir: string): void {
  const file = join(dir, "cdk.tf.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  for (const role of Object.values(config.resource.aws_iam_role) as Array<{ name: string }>) role.name = role.name.replace("-use1-", "-");
  for (const group of Object.values(config.resource.aws_cloudwatch_log_group) as Array<{ name: string }>) group.name = group.name.replace("/aws/vendedlogs/apigateway/", "/aws/apigateway/");
  for (const pool of Object.values(config.resource.aws_cognito_user_pool) as Array<{ user_pool_tier?: string }>) delete pool.user_pool_tier;
  for (const pool of Object.values(config.resource.aws_cognito_identity_pool) as Array<{ cognito_identity_providers: Array<{ server_side_token_check: boolean }> }>) {
    for (const provider of pool.cognito_identity_providers) provider.server_side_token_check = false;
  }
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/**
 * MIGRATING.md's move of a 0.1.0 state to the key with the region, run as written (the two `terraform init`s) with
 * the real Terraform on a stage deployed to the local cloud under the old key, in a fresh working directory as a new
 * checkout or CI has it.
 */
describeWhen(missing("terraform", "moto"))("moving a 0.1.0 state to the key with the region", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let s3: S3Client;
  let iam: IAMClient;
  let checkout: string;

  beforeAll(async () => {
    cliConfigFile();
    scratch = ownFolder("state-migration");
    cloud = await startLocalCloud();
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    iam = new IAMClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const stack = synthesize(join(scratch, "out"), { stages: ["dev"] }).find((s) => s.manifest?.stage === "dev")!;
    // 0.1.0: the same stack with 0.1.0's names and settings, deployed with its state under the old key.
    const old = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "0.1.0"));
    as010(old);
    await terraformOrThrow(["init", "-input=false", "-reconfigure", `-backend-config=key=${OLD_KEY}`], old);
    await terraformOrThrow(["apply", "-auto-approve", "-input=false"], old);
    // After the upgrade, in a working directory that has never seen the old key.
    checkout = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "checkout"));
  }, 300_000);

  afterAll(async () => {
    s3?.destroy();
    iam?.destroy();
    await cloud?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the upgraded stack points at the new key, where nothing is yet: without the move, it would deploy everything again", async () => {
    await expect(s3.send(new HeadObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: NEW_KEY }))).rejects.toMatchObject({ name: "NotFound" });
    const plan = await terraform(["plan", "-input=false", "-lock=false"], checkout);
    expect(plan.stdout).toMatch(/Plan: 25 to add, 0 to change, 0 to destroy\./);
  }, 120_000);

  test("the two documented inits copy the state to the new key; the next deploy renames the roles, new before old, moves the access logs and turns on the new settings in place", async () => {
    await terraformOrThrow(["init", "-input=false", "-reconfigure", `-backend-config=key=${OLD_KEY}`], checkout);
    // The new key given on the command line too: Terraform compares what the last init used, command line included.
    const moved = await terraformOrThrow(["init", "-input=false", "-migrate-state", "-force-copy", `-backend-config=key=${NEW_KEY}`], checkout);
    expect(moved.stdout).toContain("Backend configuration changed!");
    const state = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: NEW_KEY }))).Body!.transformToString());
    expect(state.resources.filter((r: { mode: string }) => r.mode === "managed")).toHaveLength(25);
    // What MIGRATING.md says the plan shows: the three roles created before the old ones go (+/-); their three inline
    // policies, the identity pool's roles attachment and the access log group replaced (-/+); in place, the two
    // functions updated to the new roles, the stage to the new log group, the user pool to the Lite tier and the
    // identity pool to the server-side token check.
    const plan = await terraformOrThrow(["plan", "-input=false", "-no-color"], checkout);
    expect(plan.stdout).toContain("Plan: 8 to add, 5 to change, 8 to destroy.");
    expect(plan.stdout).toMatch(/\+ user_pool_tier += "LITE"|~ user_pool_tier += "\w*" -> "LITE"/);
    // A set of blocks: the provider entry is removed and added again, with the check on.
    expect(plan.stdout).toMatch(/- server_side_token_check += false -> null[\s\S]*\+ server_side_token_check += true/);
    const replaced = (marker: string) => [...plan.stdout.matchAll(new RegExp(`^ *${marker.replace(/[+/]/g, "\\$&")} resource "(\\w+)"`, "gm"))].map((m) => m[1]).sort();
    expect(replaced("+/-")).toEqual(["aws_iam_role", "aws_iam_role", "aws_iam_role"]);
    expect(replaced("-/+")).toEqual(["aws_cloudwatch_log_group", "aws_cognito_identity_pool_roles_attachment", "aws_iam_role_policy", "aws_iam_role_policy", "aws_iam_role_policy"]);
    for (const name of OLD_ROLES) expect(plan.stdout).toContain(`~ name                  = "${name}" -> "${name.replace("-dev-", "-dev-use1-")}" # forces replacement`);
    expect(plan.stdout).toContain('~ name              = "/aws/apigateway/api-auth-cognito-dev-api/access" -> "/aws/vendedlogs/apigateway/api-auth-cognito-dev-api/access" # forces replacement');
    await terraformOrThrow(["apply", "-auto-approve", "-input=false"], checkout);
    for (const RoleName of NEW_ROLES) await expect(iam.send(new GetRoleCommand({ RoleName }))).resolves.toBeDefined();
    for (const RoleName of OLD_ROLES) await expect(iam.send(new GetRoleCommand({ RoleName }))).rejects.toMatchObject({ name: "NoSuchEntityException" });
    const after = await terraform(["plan", "-detailed-exitcode", "-input=false"], checkout);
    expect(after.stderr).toBe("");
    expect(after.code).toBe(0);
  }, 240_000);
});
