import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planStack, PlanResult } from "../../tools/terraform/plan";
import { synthesize } from "../../tools/terraform/synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

/** A row of the change counts: `n` to add, nothing else. */
const created = (add: number) => ({ add, change: 0, replace: 0, destroy: 0 });

describeWhen(terraformMissing())("offline terraform plan for review", () => {
  let scratch: string;
  const plans: Record<string, PlanResult> = {};

  beforeAll(async () => {
    cliConfigFile();
    scratch = mkdtempSync(join(tmpdir(), "tf-plan-"));
    // No AWS credentials at all: the plan must not need any.
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"]) delete process.env[name];
    const stacks = synthesize(join(scratch, "out"));
    await Promise.all(
      stacks.map(async (stack) => {
        plans[stack.name] = await planStack(stack, join(scratch, "work", stack.name), join(scratch, "plans", stack.name));
      }),
    );
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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

  test("npm run plan refuses an invalid stage name with one line and exit 1", () => {
    const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["tools/bin/plan.ts", "Staging"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('Error: invalid stage name "Staging": expected lowercase letters, digits and single hyphens, starting with a letter');
  });

  test("npm run plan -- dev: the result on stdout, one progress line per step on stderr as it goes", () => {
    const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["tools/bin/plan.ts", "dev"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^api-auth-cognito-dev: 23 to add, 0 to change, 0 to replace, 0 to destroy; summary in .*plans\/api-auth-cognito-dev\/summary\.md$/),
    ]);
    const steps = result.stderr.split("\n").filter((line) => /^\[\d+\.\ds\] /.test(line)).map((line) => line.replace(/^\[\d+\.\ds\] /, ""));
    expect(steps.slice(0, 3)).toEqual(["synthesizing dev", "terraform init: api-auth-cognito-dev", "terraform plan: api-auth-cognito-dev (offline)"]);
    // NO_COLOR (and no terminal): not one escape sequence.
    expect(result.stderr).not.toContain("\u001b[");
  }, 60_000);

  test("--detailed-exitcode, as terraform plan's: exit 2 when a stage has changes (what the nightly drift check acts on)", () => {
    const result = spawnSync(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["tools/bin/plan.ts", "dev", "--detailed-exitcode"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    // Offline the state is empty, so there is always something to create.
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/^api-auth-cognito-dev: 23 to add, 0 to change, 0 to replace, 0 to destroy; summary in /);
  }, 60_000);
});
