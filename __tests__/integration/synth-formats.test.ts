import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ownFolder } from "../support/test-run";

const ROOT = join(__dirname, "..", "..");
const CDKTF = join(ROOT, "node_modules", ".bin", "cdktf");
const pkg = require("../../package.json") as { scripts: Record<string, string> };
const run = promisify(execFile);

/**
 * cdktf does not clean a stack's folder between formats: a `cdk.tf` left by `cdktf synth --hcl` beside a new
 * `cdk.tf.json` used to fail every later Terraform command there with "Duplicate backend configuration". (That the
 * HCL of every stack is valid Terraform is e2e/tools/terraform/validate.test.ts's.)
 */
describe("HCL and JSON synths in the same cdktf.out", () => {
  test("npm run synth:hcl writes a folder of its own, never cdktf.out", () => {
    const output = /--output\s+(\S+)/.exec(pkg.scripts["synth:hcl"])?.[1];
    expect(pkg.scripts["synth:hcl"]).toMatch(/^cdktf synth --hcl\b/);
    expect(output).toBeDefined();
    expect(output).not.toMatch(/^(\.\/)?cdktf\.out\/?$/);
  });

  test("cdktf synth --hcl, then cdktf synth: the stack folder holds cdk.tf.json and no cdk.tf, so Terraform reads one configuration", async () => {
    const out = join(ownFolder("synth-formats"), "cdktf.out");
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", API_AUTH_COGNITO_STAGES: "dev", API_AUTH_COGNITO_TARGET: "" };
    await run(CDKTF, ["synth", "--hcl", "--output", out], { cwd: ROOT, env });
    const stack = join(out, "stacks", "api-auth-cognito-dev");
    expect(existsSync(join(stack, "cdk.tf"))).toBe(true);
    await run(CDKTF, ["synth", "--output", out], { cwd: ROOT, env });
    // Terraform reads every *.tf and *.tf.json of a folder: only one of them may hold the configuration.
    expect(readdirSync(stack).filter((file) => /\.tf(\.json)?$/.test(file))).toEqual(["cdk.tf.json"]);
  }, 120_000);
});
