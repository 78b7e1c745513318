import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CI_STACK_NAME } from "../../../../app/config";
import { synthesize } from "../../../../tools/terraform/synthesize";
import { cliConfigFile, terraformEnv } from "../../../../tools/terraform/terraform";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";
import { validateStacks, Validation } from "../../../../tools/terraform/validate";
import { APP_COMMAND } from "../../../support/app-command";
import { describeWhen, missing } from "../../../support/requires";
import { VALIDATED_SETTINGS } from "../../../support/settings";
import { ownFolder } from "../../../support/test-run";

const run = promisify(execFile);

/**
 * Real Terraform and the real AWS provider (from the mirror where there is one) check what we synthesize: the CI roles'
 * stack as JSON (the stages' and the state bucket's JSON are planned, which validates them, in plan.test.ts), every
 * stack as cdktf's HCL, and the HCL of a stage pointed at the local cloud.
 */
describeWhen(missing("terraform"))("terraform validate", () => {
  let scratch: string;
  let results: Validation[];

  beforeAll(async () => {
    cliConfigFile();
    scratch = ownFolder("validate");
    // Prod in another account, too: its stack then has the role variable, and its account's roles stack is synthesized.
    const env = { ...VALIDATED_SETTINGS, API_AUTH_COGNITO_DEPLOY_ROLE_PROD: "arn:aws:iam::222222222222:role/api-auth-cognito-prod-deploy" };
    const json = synthesize(join(scratch, "json-out"), { env })
      .filter((stack) => stack.name === CI_STACK_NAME || stack.name === "api-auth-cognito-prod-account")
      .map((stack) => ({ stack, format: "json" as const }));
    const hcl = synthesize(join(scratch, "hcl-out"), { hcl: true, env }).map((stack) => ({ stack, format: "hcl" as const }));
    // With API_AUTH_COGNITO_TARGET=local, the stage's provider and backend point at the local cloud, and the provider
    // names the config file the stack carries: its HCL must be valid too. The app as cdktf runs it (the tools' synth
    // always targets AWS), unformatted as the app writes it.
    const local = join(scratch, "local-hcl-out");
    mkdirSync(local);
    await run(APP_COMMAND[0], APP_COMMAND.slice(1), {
      cwd: PROJECT_ROOT,
      env: terraformEnv({ API_AUTH_COGNITO_STAGES: "dev", API_AUTH_COGNITO_TARGET: "local", SYNTH_HCL_OUTPUT: "true", CDKTF_OUTDIR: local }),
    });
    const localDev = { stack: { name: "api-auth-cognito-dev (local)", dir: join(local, "stacks", "api-auth-cognito-dev") }, format: "hcl" as const };
    results = await validateStacks([...json, ...hcl, localDev], join(scratch, "work"));
  }, 180_000);

  test("validates the CI roles' and a stage account's roles' stacks as JSON, and every stack as cdktf's HCL, the local target's too", () => {
    expect(results.map((r) => `${r.stack} ${r.format}`).sort()).toEqual([
      "api-auth-cognito-ci hcl",
      "api-auth-cognito-ci json",
      "api-auth-cognito-dev (local) hcl",
      "api-auth-cognito-dev hcl",
      "api-auth-cognito-prod hcl",
      "api-auth-cognito-prod-account hcl",
      "api-auth-cognito-prod-account json",
      "api-auth-cognito-state hcl",
    ]);
    for (const result of results) {
      expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });

  test("prod's pools carry prevent_destroy and its SES sender, in both formats", () => {
    const json = JSON.parse(readFileSync(join(scratch, "json-out", "stacks", "api-auth-cognito-prod", "cdk.tf.json"), "utf8"));
    const [pool] = Object.values(json.resource.aws_cognito_user_pool) as Array<Record<string, unknown>>;
    expect(pool).toMatchObject({ lifecycle: { prevent_destroy: true }, email_configuration: { email_sending_account: "DEVELOPER" } });
    const hcl = readFileSync(join(scratch, "hcl-out", "stacks", "api-auth-cognito-prod", "cdk.tf"), "utf8");
    expect(hcl.match(/prevent_destroy = true/g)).toHaveLength(2);
  });

  test("the HCL holds its policies as policy documents, not garbled JSON strings", () => {
    const hcl = readFileSync(join(scratch, "hcl-out", "stacks", "api-auth-cognito-dev", "cdk.tf"), "utf8");
    expect(hcl).toMatch(/data "aws_iam_policy_document"/);
    expect(hcl).not.toMatch(/jsonencode|\\"Statement\\"/);
  });

  test("an invalid stack among valid ones is reported invalid with Terraform's diagnostic, and only that one", async () => {
    const dev = { name: "api-auth-cognito-dev", dir: join(scratch, "broken") };
    cpSync(join(scratch, "json-out", "stacks", dev.name), dev.dir, { recursive: true });
    const file = join(dev.dir, "cdk.tf.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    const [fn] = Object.values(config.resource.aws_lambda_function) as Array<Record<string, unknown>>;
    fn.runtime = "nodejs24.x";
    writeFileSync(file, JSON.stringify(config));
    const ci = { name: CI_STACK_NAME, dir: join(scratch, "json-out", "stacks", CI_STACK_NAME) };
    const [broken, valid] = await validateStacks([{ stack: dev, format: "json" }, { stack: ci, format: "json" }], join(scratch, "work-broken"));
    expect(broken.valid).toBe(false);
    expect(broken.diagnostics.map((d) => `${d.summary} ${d.detail ?? ""}`).join("\n")).toMatch(/nodejs24\.x/);
    expect(valid).toMatchObject({ stack: CI_STACK_NAME, valid: true });
  }, 60_000);
});
