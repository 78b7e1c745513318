import { boundaryPolicyArn, deployStatements, IMPLIED_ACTIONS, LATER_UPDATE_ACTIONS, PermissionScope, PermissionStatement, planStatements, SMOKE_ACTIONS } from "../../../../app/ci-permissions";
import { checkRoles, decide, isWildcardOnly, RoleCheck } from "../../../../tools/ci-roles/role-check";
import { Recording, recordTerraformCalls } from "../../../../tools/ci-roles/terraform-calls";
import { GetApisCommand } from "@aws-sdk/client-apigatewayv2";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListIdentityPoolsCommand } from "@aws-sdk/client-cognito-identity";
import { ListUserPoolsCommand } from "@aws-sdk/client-cognito-identity-provider";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../../../app/config";
import { localClients } from "../../../support/local-clients";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/**
 * The CI roles' policies against the calls the real Terraform makes: a dev stage planned, applied, smoke-tested (the
 * smoke test CI runs after a deploy, its Cognito calls recorded too), planned again, updated in place, retagged and
 * given a new trust policy, and destroyed on a local cloud of its own (with the harness's deployer: state in the cloud's S3),
 * every call recorded at its front, then each call (and what AWS checks besides while serving it) decided by the IAM
 * policy simulator on the roles' policies. The same life proves where the state goes and that destroy leaves nothing.
 */
describeWhen(missing("terraform", "moto"))("CI roles: least privilege, proven on the calls Terraform makes", () => {
  let scratch: string;
  let recording: Recording;
  let scope: PermissionScope;
  let check: RoleCheck;

  /** The stage's state right after its first apply, and what of it is left in the cloud once destroyed. */
  let deployedState: { resources: Array<{ mode: string; type: string; name: string }> };
  let leftAfterDestroy: Record<string, unknown[]>;

  beforeAll(async () => {
    scratch = ownFolder("ci-roles");
    recording = await recordTerraformCalls(scratch, async (phase, endpoint) => {
      if (phase === "plan") deployedState = await readState(endpoint);
      if (phase === "end") leftAfterDestroy = await whatIsLeft(endpoint);
    });
    // The dev stage is recorded: dev's deploy role must allow it all.
    scope = { accountId: recording.accountId, regions: [recording.region], stateBucket: recording.stateBucket, stages: recording.stage };
    check = await checkRoles(recording, planStatements(scope), deployStatements(scope));
  }, 300_000);

  test("the first apply writes the state to the emulator's S3 under the stage's key (a plan of it then has nothing to do, or the recording fails)", () => {
    // The system's 23 resources, and for each of its 2 functions the object its zip is uploaded to (function-code-from-s3.ts).
    const managed = deployedState.resources.filter((r) => r.mode === "managed");
    expect(managed).toHaveLength(25);
    expect(managed.filter((r) => r.type === "aws_s3_object").map((r) => r.name).sort()).toEqual(["PrivateFunction_80BAF6B9_code", "PublicFunction_4539FE2B_code"]);
  });

  test("destroy leaves nothing of the stage behind, and an empty state", () => {
    expect(leftAfterDestroy).toEqual({ userPools: [], identityPools: [], apis: [], functions: [], roles: [], logGroups: [], stateResources: [] });
  });

  test("every call is mapped to its IAM action and resource, and each phase made calls", () => {
    const unmapped = recording.calls.filter((call) => call.iam.kind === "unmapped").map((call) => `${call.phase}: ${call.request}`);
    expect(unmapped).toEqual([]);
    expect(new Set(recording.calls.map((call) => call.phase))).toEqual(new Set(["first plan", "first apply", "smoke", "plan", "update", "tag and trust update", "destroy"]));
    // The update step updates in place what a routine deploy changes.
    const updates = new Set(check.requests.filter((r) => r.phase === "update").map((r) => r.action));
    for (const action of ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient", "cognito-identity:UpdateIdentityPool", "apigateway:PATCH"]) {
      expect(updates).toContain(action);
    }
  });

  test("the smoke test's calls are recorded: its Admin* calls on the stage's own pool, decided with the pool's Stage tag; its public Cognito calls need no permission", () => {
    const smoke = check.requests.filter((r) => r.phase === "smoke");
    expect([...new Set(smoke.map((r) => r.action))].sort()).toEqual([...SMOKE_ACTIONS].sort());
    for (const request of smoke) {
      expect(request.resource).toMatch(/^arn:aws:cognito-idp:[^:]+:\d{12}:userpool\/[\w-]+_\w+$/);
      expect(request.context).toEqual({ "aws:ResourceTag/Stage": "dev" });
    }
    const free = recording.calls.filter((call) => call.phase === "smoke" && call.iam.kind === "free").map((call) => (call.iam.kind === "free" ? call.iam.action : ""));
    expect(new Set(free)).toEqual(new Set(["cognito-idp:InitiateAuth", "cognito-identity:GetId", "cognito-identity:GetCredentialsForIdentity"]));
    // Only the smoke test's own calls: the local API's reads of the cloud while it served are the harness's.
    expect(recording.calls.filter((call) => call.phase === "smoke").every((call) => call.iam.kind !== "unmapped")).toBe(true);
  });

  test("the smoke test's calls are denied to another stage's deploy role (prod's) on dev's pool", async () => {
    const prod = deployStatements({ ...scope, stages: "prod" });
    for (const request of check.requests.filter((r) => r.phase === "smoke")) {
      expect(await decide(prod, request, scope.accountId)).not.toBe("Allowed");
    }
  });

  test("later updates are recorded: tags added and removed on roles, functions, log groups and the API, and a role's trust policy changed", () => {
    const later = new Set(check.requests.filter((r) => r.phase === "update" || r.phase === "tag and trust update").map((r) => r.action));
    for (const action of ["iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "lambda:TagResource", "lambda:UntagResource", "logs:TagResource", "logs:UntagResource"]) {
      expect(later).toContain(action);
    }
    const apiTags = check.requests.filter((r) => r.resource.includes("::/tags/")).map((r) => r.action);
    expect(new Set(apiTags)).toEqual(new Set(["apigateway:POST", "apigateway:DELETE"]));
    // LATER_UPDATE_ACTIONS says which of its calls the life records; the others moto cannot serve.
    const recordedKey = (r: { action: string; resource: string }) => (r.resource.includes("::/tags/") ? `${r.action} /tags` : r.action);
    const recorded = new Set(check.requests.map(recordedKey));
    const said = Object.entries(LATER_UPDATE_ACTIONS).map(([entry, why]) => ({ entry, recorded: why.startsWith("recorded: ") }));
    expect(said.map(({ entry }) => ({ entry, recorded: recorded.has(entry) }))).toEqual(said);
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

  test("the roles the stage creates carry the CI roles' permissions boundary, and the deploy role allows creating them only so", () => {
    const creates = check.requests.filter((r) => r.action === "iam:CreateRole");
    expect(creates.length).toBeGreaterThan(0);
    for (const create of creates) expect(create.context).toMatchObject({ "iam:PermissionsBoundary": boundaryPolicyArn(scope.accountId) });
  });

  test("nothing unused: every action the roles allow was recorded, or is one AWS checks besides (IMPLIED_ACTIONS), the smoke test's or a later update's", () => {
    const made = new Set(check.requests.map((r) => r.action));
    const allowedActions = (statements: PermissionStatement[]) => statements.filter((s) => s.effect !== "Deny").flatMap((s) => s.actions);
    const later = new Set(Object.keys(LATER_UPDATE_ACTIONS).map((action) => action.split(" ")[0]));
    const known = (action: string) => made.has(action) || action in IMPLIED_ACTIONS || (SMOKE_ACTIONS as readonly string[]).includes(action) || later.has(action);
    expect(allowedActions(deployStatements(scope)).filter((action) => !known(action))).toEqual([]);
    const planned = new Set(check.requests.filter((r) => r.plan).map((r) => r.action));
    expect(allowedActions(planStatements(scope)).filter((action) => !planned.has(action))).toEqual([]);
  });

  test("no `*` action, and a `*` resource only for actions without resource-level permissions", async () => {
    for (const statement of deployStatements(scope).filter((s) => s.effect !== "Deny")) {
      for (const action of statement.actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      if (!statement.resources.includes("*")) continue;
      for (const action of statement.actions) expect({ action, wildcardOnly: await isWildcardOnly(action) }).toEqual({ action, wildcardOnly: true });
    }
  });

  test("the deploy role cannot touch the CI roles", async () => {
    const ciRole = `arn:aws:iam::${scope.accountId}:role/api-auth-cognito-ci-dev`;
    for (const action of ["iam:PutRolePolicy", "iam:DeleteRole", "iam:PassRole"]) {
      const context = action === "iam:PassRole" ? { "iam:PassedToService": "lambda.amazonaws.com" } : undefined;
      expect(await decide(deployStatements(scope), { action, resource: ciRole, because: "test", context }, scope.accountId)).toBe("ExplicitlyDenied");
    }
    // With the boundary (without it, RequireBoundary denies explicitly), a role of another app or stage is still out of reach.
    const bounded = { "iam:PermissionsBoundary": boundaryPolicyArn(scope.accountId) };
    for (const name of ["other-app-role", "api-auth-cognito-prod-use1-private"]) {
      const otherRole = `arn:aws:iam::${scope.accountId}:role/${name}`;
      expect(await decide(deployStatements(scope), { action: "iam:PutRolePolicy", resource: otherRole, because: "test", context: bounded }, scope.accountId)).toBe("ImplicitlyDenied");
    }
  });
});

const STATE_KEY = "api-auth-cognito/dev/us-east-1/terraform.tfstate";
const PREFIX = "api-auth-cognito-dev";

/** The dev stage's state object in the local cloud at `endpoint`. */
async function readState(endpoint: string): Promise<{ resources: Array<{ mode: string; type: string; name: string }> }> {
  const { s3, destroy } = localClients(endpoint);
  try {
    return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: STATE_KEY }))).Body!.transformToString());
  } finally {
    destroy();
  }
}

/** What of the dev stage the local cloud at `endpoint` still holds, kind by kind, and the resources its state lists. */
async function whatIsLeft(endpoint: string): Promise<Record<string, unknown[]>> {
  const { idp, identity, api, lambda, iam, logs, destroy } = localClients(endpoint);
  try {
    return {
      userPools: ((await idp.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? []).filter((p) => p.Name?.startsWith(PREFIX)),
      identityPools: (await identity.send(new ListIdentityPoolsCommand({ MaxResults: 60 }))).IdentityPools ?? [],
      apis: (await api.send(new GetApisCommand({}))).Items ?? [],
      functions: (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [],
      roles: ((await iam.send(new ListRolesCommand({}))).Roles ?? []).filter((r) => r.RoleName?.startsWith(PREFIX)),
      logGroups: (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${PREFIX}-` }))).logGroups ?? [],
      stateResources: (await readState(endpoint)).resources,
    };
  } finally {
    destroy();
  }
}
