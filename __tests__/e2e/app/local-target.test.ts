import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../../app/config";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../app/contract/local-target";
import { LocalCloud, startLocalCloud } from "../../../tools/local-cloud";
import { standInForArchives } from "../../../tools/terraform/archive-stand-in";
import { cliConfigFile, mirroredProviders, terraformEnv } from "../../../tools/terraform/terraform";
import { describeWhen, missing } from "../../support/requires";
import { ownFolder } from "../../support/test-run";

const ROOT = join(__dirname, "..", "..", "..");
const CDKTF = join(ROOT, "node_modules", ".bin", "cdktf");
const STACK = "api-auth-cognito-dev";
const run = promisify(execFile);

/**
 * The ordinary cdktf commands through the one switch, `API_AUTH_COGNITO_TARGET=local`, against a local cloud that
 * created its state bucket when it started: the real cdktf CLI, Terraform and moto.
 */
describeWhen(missing("terraform", "moto"))("API_AUTH_COGNITO_TARGET=local npx cdktf synth|deploy|diff|output|destroy", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let env: NodeJS.ProcessEnv;
  let lambda: LambdaClient;
  let s3: S3Client;
  const outdir = () => join(scratch, "cdktf.out");

  /**
   * `npx cdktf <args>` in the project, as a user runs it, on this test's own output folder. The commands after synth
   * pass --skip-provider-lock: `terraform providers lock` asks the registry, which this machine cannot reach.
   */
  async function cdktf(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(CDKTF, [...args, "--output", outdir()], { cwd: ROOT, env, maxBuffer: 16 << 20 });
      return stdout;
    } catch (error) {
      // cdktf prints Terraform's errors on stdout: show them, without its spinner's lines.
      const { stdout, stderr } = error as { stdout: string; stderr: string };
      const printed = `${stdout}\n${stderr}`.split("\n").filter((line) => /\w/.test(line) && !/Processing|Synthesizing/.test(line));
      throw new Error(`cdktf ${args.join(" ")} failed:\n${printed.slice(-40).join("\n")}`);
    }
  }

  beforeAll(async () => {
    scratch = ownFolder("local-target");
    cloud = await startLocalCloud({ buckets: [LOCAL_STATE_BUCKET] });
    env = terraformEnv({ API_AUTH_COGNITO_TARGET: "local", API_AUTH_COGNITO_LOCAL_ENDPOINT: cloud.endpoint, API_AUTH_COGNITO_STAGES: "dev", TF_CLI_CONFIG_FILE: cliConfigFile(), NO_COLOR: "1" });
    const config = { endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    lambda = new LambdaClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    await cdktf("synth");
    // This machine cannot install hashicorp/archive (no mirror, no registry): the harness's stand-in builds the zips.
    // The provider and backend settings under test are left as synthesized.
    if (!mirroredProviders().includes("registry.terraform.io/hashicorp/archive")) standInForArchives(join(outdir(), "stacks", STACK));
  }, 120_000);

  afterAll(async () => {
    lambda?.destroy();
    s3?.destroy();
    await cloud?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("deploy creates the stack in the local cloud, state in its state bucket, outputs in cdktf's file format", async () => {
    const file = join(scratch, "deploy-outputs.json");
    await cdktf("deploy", STACK, "--auto-approve", "--skip-synth", "--skip-provider-lock", "--outputs-file", file);
    const outputs = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(outputs)).toEqual([STACK]);
    expect(outputs[STACK]).toMatchObject({ Region: "us-east-1", UserPoolId: expect.stringMatching(/^us-east-1_/), ApiId: expect.any(String) });
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: "api-auth-cognito-dev-public" }));
    expect(fn.Configuration?.Runtime).toBe("nodejs22.x");
    await s3.send(new HeadObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: "api-auth-cognito/dev/us-east-1/terraform.tfstate" }));
  }, 300_000);

  test("diff after the deploy plans nothing", async () => {
    expect(await cdktf("diff", STACK, "--skip-synth", "--skip-provider-lock")).toMatch(/No changes/);
  }, 180_000);

  test("output prints the deployed outputs, and writes the same file deploy wrote", async () => {
    const file = join(scratch, "output-outputs.json");
    const stdout = await cdktf("output", STACK, "--skip-synth", "--skip-provider-lock", "--outputs-file", file);
    const outputs = JSON.parse(readFileSync(file, "utf8"));
    expect(outputs).toEqual(JSON.parse(readFileSync(join(scratch, "deploy-outputs.json"), "utf8")));
    expect(stdout).toContain(outputs[STACK].UserPoolId);
  }, 180_000);

  test("destroy removes it from the local cloud", async () => {
    await cdktf("destroy", STACK, "--auto-approve", "--skip-synth", "--skip-provider-lock");
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "api-auth-cognito-dev-public" }))).rejects.toThrow(/not found/i);
  }, 300_000);
});
