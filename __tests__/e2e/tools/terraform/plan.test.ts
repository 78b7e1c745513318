import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { boundaryPolicyArn } from "../../../../app/ci-permissions";
import { CI_STACK_NAME } from "../../../../app/config";
import { OFFLINE_ACCOUNT } from "../../../../tools/terraform/offline-sts";
import { planStack, PlanResult } from "../../../../tools/terraform/plan";
import { synthesize } from "../../../../tools/terraform/synthesize";
import { cliConfigFile } from "../../../../tools/terraform/terraform";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";
import { describeWhen, missing } from "../../../support/requires";
import { VALIDATED_SETTINGS } from "../../../support/settings";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

const run = promisify(execFile);

/** A row of the change counts: `n` to add, nothing else. */
const created = (add: number) => ({ add, change: 0, replace: 0, destroy: 0 });

describeWhen(missing("terraform"))("offline terraform plan for review", () => {
  let scratch: string;
  const plans: Record<string, PlanResult> = {};
  /** `npm run plan -- dev --detailed-exitcode`, run side by side with the plans of every stack. */
  let command: { status: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    cliConfigFile();
    scratch = ownFolder("plan");
    // No AWS credentials at all: the plan must not need any.
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"]) delete process.env[name];
    const planCommand = run(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["tools/bin/plan.ts", "dev", "--detailed-exitcode", "--out", join(scratch, "command-plans")], {
      cwd: PROJECT_ROOT,
      env: isolatedEnv(join(scratch, "command")),
    }).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (error: { code: number | null; stdout: string; stderr: string }) => ({ status: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    // Every stack but the CI roles' (its data sources ask AWS who the caller is): validate.test.ts validates that one.
    const stacks = synthesize(join(scratch, "out"), { env: VALIDATED_SETTINGS }).filter((stack) => stack.name !== CI_STACK_NAME);
    await Promise.all(
      stacks.map(async (stack) => {
        plans[stack.name] = await planStack(stack, join(scratch, "work", stack.name), join(scratch, "plans", stack.name));
      }),
    );
    command = await planCommand;
  }, 180_000);

  test.each(["api-auth-cognito-dev", "api-auth-cognito-prod"])("%s: a first deploy creates the 23 resources of the system", (stack) => {
    const { counts, files } = plans[stack];
    expect(counts).toEqual({
      aws_apigatewayv2_api: created(1),
      aws_apigatewayv2_integration: created(2),
      aws_apigatewayv2_route: created(2),
      aws_apigatewayv2_stage: created(1),
      aws_cloudwatch_log_group: created(3),
      aws_cognito_identity_pool: created(1),
      aws_cognito_identity_pool_roles_attachment: created(1),
      aws_cognito_user_pool: created(1),
      aws_cognito_user_pool_client: created(1),
      aws_iam_role: created(3),
      aws_iam_role_policy: created(3),
      aws_lambda_function: created(2),
      aws_lambda_permission: created(2),
    });
    expect(readFileSync(files.text, "utf8")).toMatch(/Plan: 23 to add, 0 to change, 0 to destroy\./);
    const json = JSON.parse(readFileSync(files.json, "utf8"));
    expect(json.format_version).toBeDefined();
    const managed = json.resource_changes.filter((change: { mode: string }) => change.mode === "managed");
    expect(managed).toHaveLength(23);
  });

  test("the plan shows the stage's own names and region", () => {
    const text = readFileSync(plans["api-auth-cognito-prod"].files.text, "utf8");
    expect(text).toContain('function_name                  = "api-auth-cognito-prod-private"');
    expect(text).toContain('deletion_protection        = "ACTIVE"');
    expect(text).not.toContain("api-auth-cognito-dev");
  });

  test("with CI roles, every role of the stage carries the CI permissions boundary of the caller's account (offline: its fake account)", () => {
    const plan = JSON.parse(readFileSync(plans["api-auth-cognito-dev"].files.json, "utf8")) as { resource_changes: Array<{ type: string; change: { after: { permissions_boundary?: string } } }> };
    const roles = plan.resource_changes.filter((change) => change.type === "aws_iam_role");
    expect(roles).toHaveLength(3);
    for (const role of roles) expect(role.change.after.permissions_boundary).toBe(boundaryPolicyArn(OFFLINE_ACCOUNT));
  });

  test("the summary counts the changes and prints every IAM policy in full", () => {
    const summary = readFileSync(plans["api-auth-cognito-dev"].files.summary, "utf8");
    expect(summary).toContain("**23 to add, 0 to change, 0 to replace, 0 to destroy.**");
    expect(summary).toContain("| `aws_iam_role` | 3 | 0 | 0 | 0 |");
    for (const role of ["api-auth-cognito-dev-use1-authenticated", "api-auth-cognito-dev-use1-public", "api-auth-cognito-dev-use1-private"]) {
      expect(summary).toContain(`### Role \`${role}\`: trust policy`);
    }
    expect(summary).toMatch(/"cognito-identity\.amazonaws\.com:aud": \[\s+"\$\{aws_cognito_identity_pool\.\w+\.id\}"/);
    expect(summary).toMatch(/"cognito-identity\.amazonaws\.com:amr": \[\s+"authenticated"/);
    expect(summary).toMatch(/"Resource": \[\s+"\$\{aws_apigatewayv2_api\.\w+\.execution_arn\}\/\*\/GET\/private"/);
    expect(summary).toContain("### Inline policy `invoke-api-auth-cognito-dev-api` of role `api-auth-cognito-dev-use1-authenticated`");
    expect(summary.match(/```json/g)).toHaveLength(6);
  });

  test("npm run plan -- dev --detailed-exitcode: the result on stdout, one progress line per step on stderr, exit 2 as terraform plan's when there are changes", () => {
    // Offline the state is empty, so there is always something to create: what the nightly drift check acts on.
    expect(command.status).toBe(2);
    expect(command.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^api-auth-cognito-dev: 23 to add, 0 to change, 0 to replace, 0 to destroy; summary in .*command-plans\/api-auth-cognito-dev\/summary\.md$/),
    ]);
    // The command's own steps; what is indented under one (Terraform's progress, "still running") depends on timing.
    const steps = command.stderr.split("\n").filter((line) => /^\[\d+\.\ds\] \S/.test(line)).map((line) => line.replace(/^\[\d+\.\ds\] /, ""));
    expect(steps.slice(0, 3)).toEqual(["synthesizing dev", "terraform init: api-auth-cognito-dev", "terraform plan: api-auth-cognito-dev (offline)"]);
    expect(readFileSync(join(scratch, "command-plans", "api-auth-cognito-dev", "plan.txt"), "utf8")).toMatch(/^Terraform used the selected providers/);
    // NO_COLOR (and no terminal): not one escape sequence.
    expect(command.stderr).not.toContain("\u001b[");
  });
});
