import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { prepareStack } from "../../tools/terraform/stack-workdir";
import { prepareTerraform, terraformEnv, terraformMissing, terraformOrThrow } from "../../tools/terraform/terraform";
import { APP_COMMAND } from "../support/app-command";
import { describeWhen } from "../support/requires";

const ROOT = join(__dirname, "..", "..");
const CDKTF = join(ROOT, "node_modules", ".bin", "cdktf");
const pkg = require("../../package.json") as { scripts: Record<string, string> };
const run = promisify(execFile);

/**
 * cdktf does not clean a stack's folder between formats: a `cdk.tf` left by `cdktf synth --hcl` beside a new
 * `cdk.tf.json` used to fail every later Terraform command there with "Duplicate backend configuration".
 */
describeWhen(terraformMissing())("HCL and JSON synths in the same cdktf.out", () => {
  let scratch: string;
  beforeAll(() => {
    prepareTerraform();
    scratch = mkdtempSync(join(tmpdir(), "synth-formats-"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("npm run synth:hcl writes a folder of its own, never cdktf.out", () => {
    const output = /--output\s+(\S+)/.exec(pkg.scripts["synth:hcl"])?.[1];
    expect(pkg.scripts["synth:hcl"]).toMatch(/^cdktf synth --hcl\b/);
    expect(output).toBeDefined();
    expect(output).not.toMatch(/^(\.\/)?cdktf\.out\/?$/);
  });

  test("cdktf synth --hcl, then cdktf synth: the stack folder holds only cdk.tf.json, and terraform validate passes there", async () => {
    const out = join(scratch, "cdktf.out");
    const env = terraformEnv({ API_AUTH_COGNITO_STAGES: "dev", API_AUTH_COGNITO_TARGET: "" });
    await run(CDKTF, ["synth", "--hcl", "--output", out], { cwd: ROOT, env });
    const stack = join(out, "stacks", "api-auth-cognito-dev");
    expect(existsSync(join(stack, "cdk.tf"))).toBe(true);
    await run(CDKTF, ["synth", "--output", out], { cwd: ROOT, env });
    expect([existsSync(join(stack, "cdk.tf")), existsSync(join(stack, "cdk.tf.json"))]).toEqual([false, true]);
    // Terraform runs on every file of the folder (a copy, with the archive stand-in where the provider cannot install).
    const { dir } = await prepareStack(stack, join(scratch, "work"));
    await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
    await expect(terraformOrThrow(["validate"], dir)).resolves.toMatchObject({ code: 0 });
  }, 180_000);

  test("with API_AUTH_COGNITO_TARGET=local, the HCL stack validates as well (the endpoints block renders as a block)", async () => {
    // The app as cdktf runs it, unformatted: the archive stand-in reads HCL as the app writes it.
    const out = join(scratch, "cdktf.out.hcl");
    const env = terraformEnv({ API_AUTH_COGNITO_STAGES: "dev", API_AUTH_COGNITO_TARGET: "local", SYNTH_HCL_OUTPUT: "true", CDKTF_OUTDIR: out });
    mkdirSync(out);
    await run(APP_COMMAND[0], APP_COMMAND.slice(1), { cwd: ROOT, env });
    const { dir } = await prepareStack(join(out, "stacks", "api-auth-cognito-dev"), join(scratch, "work-hcl"));
    await terraformOrThrow(["init", "-backend=false", "-input=false"], dir);
    await expect(terraformOrThrow(["validate"], dir)).resolves.toMatchObject({ code: 0 });
  }, 180_000);
});
