import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployStatements, IMPLIED_ACTIONS, PermissionScope, PermissionStatement, planStatements } from "../../ci-permissions";
import { checkRoles, decide, isWildcardOnly, RoleCheck } from "../../tools/ci-roles/role-check";
import { Recording, recordTerraformCalls } from "../../tools/ci-roles/terraform-calls";
import { motoMissing } from "../../tools/local-cloud/moto";
import { terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

/**
 * The CI roles' policies against the calls the real Terraform makes: a dev stage planned, applied, planned again,
 * updated in place and destroyed on the local cloud, every call recorded at its front, then each call (and what AWS
 * checks besides while serving it) decided by the IAM policy simulator on the roles' policies.
 */
describeWhen(terraformMissing() ?? motoMissing())("CI roles: least privilege, proven on the calls Terraform makes", () => {
  let scratch: string;
  let recording: Recording;
  let scope: PermissionScope;
  let check: RoleCheck;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "ci-roles-"));
    recording = await recordTerraformCalls(scratch);
    scope = { accountId: recording.accountId, regions: [recording.region], stateBucket: recording.stateBucket };
    check = await checkRoles(recording, planStatements(scope), deployStatements(scope));
  }, 300_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("every call is mapped to its IAM action and resource, and each phase made calls", () => {
    const unmapped = recording.calls.filter((call) => call.iam.kind === "unmapped").map((call) => `${call.phase}: ${call.request}`);
    expect(unmapped).toEqual([]);
    expect(new Set(recording.calls.map((call) => call.phase))).toEqual(new Set(["first plan", "first apply", "plan", "update", "destroy"]));
    // The update step updates in place what a routine deploy changes.
    const updates = new Set(check.requests.filter((r) => r.phase === "update").map((r) => r.action));
    for (const action of ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient", "cognito-identity:UpdateIdentityPool", "apigateway:PATCH"]) {
      expect(updates).toContain(action);
    }
  });

  test("the deploy role allows every recorded call, and what AWS checks besides (roles passed, tags, log delivery)", () => {
    expect(check.deployRefuses).toEqual([]);
    expect(check.requests.some((r) => r.action === "iam:PassRole")).toBe(true);
    expect(check.requests.some((r) => r.action === "logs:CreateLogDelivery")).toBe(true);
  });

  test("the plan role allows every call of a plan, the state lock's write and delete included", () => {
    expect(check.requests.some((r) => r.plan && r.action === "s3:PutObject" && r.resource.endsWith(".tflock"))).toBe(true);
    expect(check.planRefuses).toEqual([]);
  });

  test("the plan role denies every create, update and delete the deploys made, and writes of the state itself", () => {
    const changed = check.requests.filter((r) => !r.plan).map((r) => r.action);
    expect(changed).toEqual(expect.arrayContaining(["cognito-idp:CreateUserPool", "iam:CreateRole", "lambda:DeleteFunction", "s3:PutObject"]));
    expect(check.changesChecked).toBeGreaterThan(50);
    expect(check.planAllowsChanges).toEqual([]);
  });

  test("nothing unused: every action the roles allow was recorded, or is one AWS checks besides (IMPLIED_ACTIONS)", () => {
    const made = new Set(check.requests.map((r) => r.action));
    const allowedActions = (statements: PermissionStatement[]) => statements.filter((s) => s.effect !== "Deny").flatMap((s) => s.actions);
    expect(allowedActions(deployStatements(scope)).filter((action) => !made.has(action) && !(action in IMPLIED_ACTIONS))).toEqual([]);
    const planned = new Set(check.requests.filter((r) => r.plan).map((r) => r.action));
    expect(allowedActions(planStatements(scope)).filter((action) => !planned.has(action))).toEqual([]);
  });

  test("no `*` action, and a `*` resource only for actions without resource-level permissions", async () => {
    for (const statement of deployStatements(scope)) {
      for (const action of statement.actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      if (!statement.resources.includes("*")) continue;
      for (const action of statement.actions) expect({ action, wildcardOnly: await isWildcardOnly(action) }).toEqual({ action, wildcardOnly: true });
    }
  });

  test("the deploy role cannot touch the CI roles, although their names match the app's", async () => {
    const ciRole = `arn:aws:iam::${scope.accountId}:role/api-auth-cognito-ci-deploy`;
    for (const action of ["iam:PutRolePolicy", "iam:DeleteRole", "iam:PassRole"]) {
      const context = action === "iam:PassRole" ? { "iam:PassedToService": "lambda.amazonaws.com" } : undefined;
      expect(await decide(deployStatements(scope), { action, resource: ciRole, because: "test", context }, scope.accountId)).toBe("ExplicitlyDenied");
    }
    const otherRole = `arn:aws:iam::${scope.accountId}:role/other-app-role`;
    expect(await decide(deployStatements(scope), { action: "iam:PutRolePolicy", resource: otherRole, because: "test" }, scope.accountId)).toBe("ImplicitlyDenied");
  });
});
