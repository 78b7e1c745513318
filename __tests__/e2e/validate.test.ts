import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesize } from "../../tools/terraform/synthesize";
import { cliConfigFile, terraformMissing } from "../../tools/terraform/terraform";
import { validateStack, Validation } from "../../tools/terraform/validate";
import { describeWhen } from "../support/requires";

/** Real Terraform and the real AWS provider (from the mirror where there is one) check what we synthesize. */
describeWhen(terraformMissing())("terraform validate", () => {
  let scratch: string;
  let results: Validation[];

  beforeAll(async () => {
    cliConfigFile();
    scratch = mkdtempSync(join(tmpdir(), "tf-validate-"));
    // With a GitHub repository, the app has the CI roles' stack too; prod sends its mail through SES.
    const env = {
      API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/api-auth-cognito",
      API_AUTH_COGNITO_SES_IDENTITY_PROD: "arn:aws:ses:us-east-1:222222222222:identity/example.com",
      API_AUTH_COGNITO_EMAIL_FROM_PROD: "Example <no-reply@example.com>",
    };
    const json = synthesize(join(scratch, "json-out"), { env }).map((stack) => ({ stack, format: "json" as const }));
    const hcl = synthesize(join(scratch, "hcl-out"), { hcl: true, env }).map((stack) => ({ stack, format: "hcl" as const }));
    results = await Promise.all(
      [...json, ...hcl].map(({ stack, format }) => validateStack(stack, format, join(scratch, "work", format, stack.name))),
    );
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("validates both stages, the state bucket's and the CI roles' stacks, as JSON and as cdktf's HCL", () => {
    expect(results.map((r) => `${r.stack} ${r.format}`).sort()).toEqual([
      "api-auth-cognito-ci hcl",
      "api-auth-cognito-ci json",
      "api-auth-cognito-dev hcl",
      "api-auth-cognito-dev json",
      "api-auth-cognito-prod hcl",
      "api-auth-cognito-prod json",
      "api-auth-cognito-state hcl",
      "api-auth-cognito-state json",
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

  test("an invalid stack is reported invalid with Terraform's diagnostic", async () => {
    const dev = synthesize(join(scratch, "broken-out")).find((s) => s.name === "api-auth-cognito-dev")!;
    const file = join(dev.dir, "cdk.tf.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    const [fn] = Object.values(config.resource.aws_lambda_function) as Array<Record<string, unknown>>;
    fn.runtime = "nodejs24.x";
    writeFileSync(file, JSON.stringify(config));
    const result = await validateStack(dev, "json", join(scratch, "work", "broken"));
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => `${d.summary} ${d.detail ?? ""}`).join("\n")).toMatch(/nodejs24\.x/);
  }, 60_000);
});
