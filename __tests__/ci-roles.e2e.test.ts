import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployStatements, IMPLIED_ACTIONS, PermissionScope, PermissionStatement, planStatements } from "../ci-permissions";
import { accessLevelOf, decide, isWildcardOnly, requestsOf, SimulatedRequest } from "../tools/ci-roles/role-check";
import { isPlanPhase, Recording, recordTerraformCalls } from "../tools/ci-roles/terraform-calls";
import { motoMissing } from "../tools/local-cloud/moto";
import { terraformMissing } from "../tools/terraform/terraform";
import { describeWhen } from "./support/requires";

/** Access levels of the Service Authorization Reference that change nothing. */
const READ_LEVELS = new Set(["Read", "List"]);

/**
 * The CI roles' policies against the calls the real Terraform makes: a dev stage planned, applied, planned again,
 * updated in place and destroyed on the local cloud, every call recorded at its front, then each call (and what AWS
 * checks besides while serving it) decided by the IAM policy simulator on the roles' policies.
 */
describeWhen(terraformMissing() ?? motoMissing())("CI roles: least privilege, proven on the calls Terraform makes", () => {
  let scratch: string;
  let recording: Recording;
  let scope: PermissionScope;
  let requests: Array<SimulatedRequest & { plan: boolean }>;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "ci-roles-"));
    recording = await recordTerraformCalls(scratch);
    scope = { accountId: recording.accountId, regions: [recording.region], stateBucket: recording.stateBucket };
    requests = recording.calls.flatMap((call) => requestsOf(call).map((request) => ({ ...request, plan: isPlanPhase(call.phase) })));
  }, 300_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The requests `statements` do not allow, as `action on resource (because)` lines. */
  const refused = async (statements: PermissionStatement[], of: readonly SimulatedRequest[]) => {
    const lines: string[] = [];
    for (const request of of) {
      if ((await decide(statements, request, scope.accountId)) !== "Allowed") lines.push(`${request.action} on ${request.resource} (${request.because})`);
    }
    return [...new Set(lines)];
  };

  test("every call is mapped to its IAM action and resource, and each phase made calls", () => {
    const unmapped = recording.calls.filter((call) => call.iam.kind === "unmapped").map((call) => `${call.phase}: ${call.request}`);
    expect(unmapped).toEqual([]);
    expect(new Set(recording.calls.map((call) => call.phase))).toEqual(new Set(["first plan", "first apply", "plan", "update", "destroy"]));
    // The update step updates in place what a routine deploy changes.
    const updates = new Set(requests.filter((r) => r.because.startsWith("update")).map((r) => r.action));
    for (const action of ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient", "cognito-identity:UpdateIdentityPool", "apigateway:PATCH"]) {
      expect(updates).toContain(action);
    }
  });

  test("the deploy role allows every recorded call, and what AWS checks besides (roles passed, tags, log delivery)", async () => {
    expect(await refused(deployStatements(scope), requests)).toEqual([]);
    expect(requests.some((r) => r.action === "iam:PassRole")).toBe(true);
    expect(requests.some((r) => r.action === "logs:CreateLogDelivery")).toBe(true);
  }, 120_000);

  test("the plan role allows every call of a plan, the state lock's write and delete included", async () => {
    const plans = requests.filter((r) => r.plan);
    expect(plans.some((r) => r.action === "s3:PutObject" && r.resource.endsWith(".tflock"))).toBe(true);
    expect(await refused(planStatements(scope), plans)).toEqual([]);
  }, 120_000);

  test("the plan role denies every create, update and delete the deploys made, and writes of the state itself", async () => {
    const changes: SimulatedRequest[] = [];
    for (const request of requests) {
      const lock = request.resource.endsWith(".tflock");
      if (!lock && !READ_LEVELS.has(await accessLevelOf(request.action))) changes.push(request);
    }
    expect(changes.map((r) => r.action)).toEqual(expect.arrayContaining(["cognito-idp:CreateUserPool", "iam:CreateRole", "lambda:DeleteFunction", "s3:PutObject"]));
    const allowed: string[] = [];
    for (const request of changes) {
      if ((await decide(planStatements(scope), request, scope.accountId)) === "Allowed") allowed.push(`${request.action} on ${request.resource}`);
    }
    expect([...new Set(allowed)]).toEqual([]);
  }, 120_000);

  test("nothing unused: every action the roles allow was recorded, or is one AWS checks besides (IMPLIED_ACTIONS)", () => {
    const made = new Set(requests.map((r) => r.action));
    const allowedActions = (statements: PermissionStatement[]) => statements.filter((s) => s.effect !== "Deny").flatMap((s) => s.actions);
    expect(allowedActions(deployStatements(scope)).filter((action) => !made.has(action) && !(action in IMPLIED_ACTIONS))).toEqual([]);
    const planned = new Set(requests.filter((r) => r.plan).map((r) => r.action));
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
      expect(await decide(deployStatements(scope), { action, resource: ciRole, because: "test", context: action === "iam:PassRole" ? { "iam:PassedToService": "lambda.amazonaws.com" } : undefined }, scope.accountId)).toBe("ExplicitlyDenied");
    }
    expect(await decide(deployStatements(scope), { action: "iam:PutRolePolicy", resource: `arn:aws:iam::${scope.accountId}:role/other-app-role`, because: "test" }, scope.accountId)).toBe("ImplicitlyDenied");
  });
});
