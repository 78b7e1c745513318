import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { CI_BOUNDARY_NAME, CI_DEPLOY_ENVIRONMENTS, CI_ROLE_NAMES, LATER_UPDATE_ACTIONS, PermissionStatement, SMOKE_ACTIONS } from "../../../app/ci-permissions";
import { GithubActionsRoles } from "../../../constructs/github-actions-roles";
import { ValidationError } from "../../../constructs/validation";
import { buildApp, CI_ROLE_OUTPUTS, CI_STACK_NAME, CiRolesStack } from "../../../app";
import { decide } from "../../../tools/ci-roles/role-check";
import { parse } from "../../support/synthesized";

/** The CI roles' stack of an app with these settings, synthesized. */
function ciStack(env: NodeJS.ProcessEnv) {
  const app = buildApp(Testing.app(), { API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/api-auth-cognito", ...env });
  const stack = app.node.findChild(CI_STACK_NAME) as CiRolesStack;
  const synth = Testing.synth(stack);
  return { stack, synth, parsed: parse(synth) };
}

/** The trust policy document of the role with construct id `id`, as synthesized. */
function trustOf(parsed: ReturnType<typeof parse>, id: string) {
  const documents = parsed.data!.aws_iam_policy_document as Record<string, { statement: Array<Record<string, unknown>> }>;
  return Object.entries(documents).find(([name]) => name.startsWith(`GithubActions_${id}Trust_`))![1].statement[0];
}

describe("the CI roles' stack", () => {
  test("is there only with a GitHub repository configured", () => {
    expect(buildApp(Testing.app(), {}).node.tryFindChild(CI_STACK_NAME)).toBeUndefined();
    expect(buildApp(Testing.app(), { API_AUTH_COGNITO_TARGET: "local", API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/app" }).node.tryFindChild(CI_STACK_NAME)).toBeUndefined();
    expect(ciStack({}).stack).toBeInstanceOf(CiRolesStack);
  });

  test("creates GitHub's OIDC provider for STS, and the four roles named for the app", () => {
    const { synth } = ciStack({});
    expect(synth).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(synth).toHaveResourceWithProperties(IamRole, { name: CI_ROLE_NAMES.plan, max_session_duration: 3600 });
    for (const name of [CI_ROLE_NAMES.preview, CI_ROLE_NAMES.dev, CI_ROLE_NAMES.prod]) expect(synth).toHaveResourceWithProperties(IamRole, { name });
  });

  test("each role trusts exactly its own subjects of this repository, for STS: plan pull requests and main, each deploy role its environment", () => {
    const { parsed } = ciStack({});
    const conditions = (id: string) => trustOf(parsed, id).condition;
    const trust = (...subjects: string[]) => [
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: subjects.map((subject) => `repo:my-org/api-auth-cognito:${subject}`) },
    ];
    expect(trustOf(parsed, "Plan")).toMatchObject({ actions: ["sts:AssumeRoleWithWebIdentity"], principals: [{ type: "Federated" }] });
    expect(conditions("Plan")).toEqual(trust("pull_request", "ref:refs/heads/main"));
    expect(conditions("Preview")).toEqual(trust("environment:preview"));
    expect(conditions("Dev")).toEqual(trust("environment:dev"));
    expect(conditions("Prod")).toEqual(trust("environment:prod"));
    const roles = Object.values(parsed.resource!.aws_iam_role as Record<string, { name: string }>).map((role) => role.name).sort();
    expect(roles).toEqual([CI_ROLE_NAMES.dev, CI_ROLE_NAMES.plan, CI_ROLE_NAMES.preview, CI_ROLE_NAMES.prod].sort());
  });

  test("one ARN output per role, and the boundary's", () => {
    const { parsed } = ciStack({});
    expect(Object.keys(parsed.output!).sort()).toEqual([...Object.values(CI_ROLE_OUTPUTS), "BoundaryPolicyArn"].sort());
  });

  test("an existing OIDC provider is trusted instead of creating one", () => {
    const arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    const { synth, parsed } = ciStack({ API_AUTH_COGNITO_GITHUB_OIDC_PROVIDER: arn });
    expect(synth).not.toHaveResource(IamOpenidConnectProvider);
    expect(trustOf(parsed, "Prod").principals).toEqual([{ type: "Federated", identifiers: [arn] }]);
  });

  test("its state is in the state bucket, outside the stages' keys the roles may write", () => {
    const { parsed } = ciStack({ API_AUTH_COGNITO_STATE_BUCKET: "acme-tfstate" });
    expect(parsed.terraform!.backend!.s3).toMatchObject({ bucket: "acme-tfstate", key: "ci/api-auth-cognito/terraform.tfstate", use_lockfile: true });
  });

  test("a cross-account prod deploy role may be assumed by prod's deploy role only; the plan role may assume only prod's read-only role", () => {
    const role = "arn:aws:iam::222222222222:role/api-auth-cognito-prod-deploy";
    const { parsed } = ciStack({ API_AUTH_COGNITO_DEPLOY_ROLE_PROD: role });
    const policies = Object.values(parsed.resource!.aws_iam_role_policy as Record<string, { name: string; policy: string }>);
    expect(policies.find((p) => p.name === CI_ROLE_NAMES.prod)!.policy).toContain(`"sts:AssumeRole"`);
    expect(policies.find((p) => p.name === CI_ROLE_NAMES.plan)!.policy).toContain(`"Sid" = "AssumeStagePlanRoles", "Effect" = "Allow", "Action" = ["sts:AssumeRole"], "Resource" = ["arn:aws:iam::222222222222:role/api-auth-cognito-prod-plan"]`);
    expect(policies.find((p) => p.name === CI_ROLE_NAMES.plan)!.policy).not.toContain(role);
    for (const name of [CI_ROLE_NAMES.preview, CI_ROLE_NAMES.dev]) expect(policies.find((p) => p.name === name)!.policy).not.toContain("sts:AssumeRole");
  });

  test.each([
    ["API_AUTH_COGNITO_GITHUB_REPOSITORY", "not a repo", /^invalid GitHub repository "not a repo": expected owner\/name .*\(from environment variable API_AUTH_COGNITO_GITHUB_REPOSITORY\)$/],
    ["API_AUTH_COGNITO_GITHUB_OIDC_PROVIDER", "arn:aws:iam::1:oidc-provider/x", /^invalid GitHub OIDC provider "arn:aws:iam::1:oidc-provider\/x": expected arn:aws:iam::<12-digit account>:oidc-provider\/token\.actions\.githubusercontent\.com/],
  ])("%s=%p is refused with one line naming it", (name, value, message) => {
    expect(() => buildApp(Testing.app(), { API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/app", [name]: value })).toThrow(message);
    expect(() => buildApp(Testing.app(), { API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/app", [name]: value })).toThrow(ValidationError);
  });

  test("the construct refuses a role without subjects", () => {
    const stack = new (require("cdktf").TerraformStack)(Testing.app(), "test");
    expect(() => new GithubActionsRoles(stack, "Roles", { repository: "o/r", roles: { R: { roleName: "r", subjects: [], policy: {} } } })).toThrow(/role "r" has no subjects/);
  });
});

const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/${CI_BOUNDARY_NAME}`;

/**
 * The policy documents of the synthesized CI stack, by name (roles' inline policies and the boundary), read back from
 * their `jsonencode(...)` with the account id in place of the caller identity's.
 */
function synthesizedPolicies(env: NodeJS.ProcessEnv = {}): Record<string, PermissionStatement[]> {
  const { parsed } = ciStack(env);
  const documents = [
    ...Object.values(parsed.resource!.aws_iam_role_policy as Record<string, { name: string; policy: string }>),
    ...Object.values(parsed.resource!.aws_iam_policy as Record<string, { name: string; policy: string }>),
  ];
  return Object.fromEntries(
    documents.map(({ name, policy }) => {
      const json = policy
        .replace(/^\$\{jsonencode\(/, "")
        .replace(/\)\}$/, "")
        .replace(/\$\{data\.aws_caller_identity\.Account\.account_id\}/g, ACCOUNT)
        .replace(/" = /g, '": ');
      const document = JSON.parse(json) as { Statement: Array<{ Sid: string; Effect: "Allow" | "Deny"; Action: string[]; Resource: string[]; Condition?: PermissionStatement["conditions"] }> };
      return [name, document.Statement.map((st) => ({ sid: st.Sid, effect: st.Effect, actions: st.Action, resources: st.Resource, conditions: st.Condition }))];
    }),
  );
}

describe("the CI roles' policies, decided by the IAM policy simulator", () => {
  const policies = synthesizedPolicies();
  const deployRoles = CI_DEPLOY_ENVIRONMENTS.map((environment) => ({ environment, name: CI_ROLE_NAMES[environment] }));
  /** The decision of role `name` on `action` on `resource`, with these context keys. */
  const decision = (name: string, action: string, resource: string, context: Record<string, string> = {}) =>
    decide(policies[name], { action, resource, context, because: "test" }, ACCOUNT);
  const allowed = async (...args: Parameters<typeof decision>) => (await decision(...args)) === "Allowed";

  /** What of `stage` one request of each kind names, and the context AWS would set. */
  const requestsOn = (stage: string): Array<[string, string, Record<string, string>]> => {
    const tagged = { "aws:ResourceTag/Stage": stage };
    const role = `arn:aws:iam::${ACCOUNT}:role/api-auth-cognito-${stage}-use1-private`;
    const fn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:api-auth-cognito-${stage}-private`;
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api-auth-cognito-${stage}-private`;
    const pool = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_Abc123`;
    const identityPool = `arn:aws:cognito-identity:${REGION}:${ACCOUNT}:identitypool/${REGION}:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9`;
    const api = `arn:aws:apigateway:${REGION}::/apis/abc123`;
    const bounded = { "iam:PermissionsBoundary": BOUNDARY };
    return [
      ["iam:CreateRole", role, bounded],
      ["iam:PutRolePolicy", role, bounded],
      ["iam:DeleteRole", role, {}],
      ["iam:GetRole", role, {}],
      ["iam:PassRole", role, { "iam:PassedToService": "lambda.amazonaws.com" }],
      ["lambda:UpdateFunctionCode", fn, {}],
      ["lambda:DeleteFunction", fn, {}],
      ["lambda:GetFunction", fn, {}],
      ["logs:DeleteLogGroup", group, {}],
      ["logs:CreateLogGroup", group, {}],
      ["cognito-idp:DeleteUserPool", pool, tagged],
      ["cognito-idp:UpdateUserPool", pool, tagged],
      ["cognito-idp:DescribeUserPool", pool, tagged],
      ["cognito-idp:AdminCreateUser", pool, tagged],
      ["cognito-idp:TagResource", pool, { ...tagged, "aws:RequestTag/Stage": stage }],
      ["cognito-idp:CreateUserPool", "*", { "aws:RequestTag/Stage": stage }],
      ["cognito-identity:DeleteIdentityPool", identityPool, tagged],
      ["cognito-identity:UpdateIdentityPool", identityPool, tagged],
      ["cognito-identity:CreateIdentityPool", "*", { "aws:RequestTag/Stage": stage }],
      ["apigateway:DELETE", api, tagged],
      ["apigateway:PATCH", `${api}/stages/$default`, tagged],
      ["apigateway:GET", api, tagged],
      ["apigateway:POST", `arn:aws:apigateway:${REGION}::/apis`, { "aws:RequestTag/Stage": stage }],
      ["s3:PutObject", `arn:aws:s3:::api-auth-cognito-terraform-state/api-auth-cognito/${stage}/${REGION}/terraform.tfstate`, {}],
      ["s3:GetObject", `arn:aws:s3:::api-auth-cognito-terraform-state/api-auth-cognito/${stage}/${REGION}/terraform.tfstate`, {}],
    ];
  };

  test.each(["dev", "prod"])("the preview role is denied every action on %s's roles, functions, log groups, pools, APIs and state", async (stage) => {
    const results = [];
    for (const [action, resource, context] of requestsOn(stage)) results.push({ action, allowed: await allowed(CI_ROLE_NAMES.preview, action, resource, context) });
    expect(results.filter((r) => r.allowed)).toEqual([]);
  });

  test.each([
    [CI_ROLE_NAMES.preview, "pr-42"],
    [CI_ROLE_NAMES.dev, "dev"],
    [CI_ROLE_NAMES.prod, "prod"],
  ])("%s is allowed each of those on its own stage %s", async (role, stage) => {
    const results = [];
    for (const [action, resource, context] of requestsOn(stage)) results.push({ action, allowed: await allowed(role, action, resource, context) });
    expect(results.filter((r) => !r.allowed)).toEqual([]);
  });

  test.each([
    [CI_ROLE_NAMES.dev, ["prod", "pr-42"]],
    [CI_ROLE_NAMES.prod, ["dev", "pr-42"]],
  ])("%s is denied every action on the other stages %p", async (role, stages) => {
    for (const stage of stages) {
      const results = [];
      for (const [action, resource, context] of requestsOn(stage)) results.push({ action, allowed: await allowed(role, action, resource, context) });
      expect(results.filter((r) => r.allowed)).toEqual([]);
    }
  });

  test.each(deployRoles)("$name: a role created, given a policy or a boundary without the CI boundary is refused; the boundary cannot be removed", async ({ name, environment }) => {
    const role = `arn:aws:iam::${ACCOUNT}:role/api-auth-cognito-${environment === "preview" ? "pr-1" : environment}-use1-x`;
    for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy"]) {
      expect({ action, without: await decision(name, action, role) }).toEqual({ action, without: "ExplicitlyDenied" });
      const other = await decision(name, action, role, { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` });
      expect({ action, other }).toEqual({ action, other: "ExplicitlyDenied" });
    }
    expect(await decision(name, "iam:CreateRole", role, { "iam:PermissionsBoundary": BOUNDARY })).toBe("Allowed");
    expect(await decision(name, "iam:AttachRolePolicy", role, { "iam:PermissionsBoundary": BOUNDARY })).not.toBe("Allowed");
    expect(await decision(name, "iam:DeleteRolePermissionsBoundary", role, { "iam:PermissionsBoundary": BOUNDARY })).toBe("ExplicitlyDenied");
  });

  test.each(deployRoles)("$name may run the smoke test's calls on its own stage's user pool only", async ({ name, environment }) => {
    const pool = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_Abc123`;
    const own = environment === "preview" ? "pr-7" : environment;
    for (const action of SMOKE_ACTIONS) {
      expect({ action, own: await decision(name, action, pool, { "aws:ResourceTag/Stage": own }) }).toEqual({ action, own: "Allowed" });
      for (const other of ["pr-7", "dev", "prod"].filter((stage) => stage !== own)) {
        expect({ action, other, d: await allowed(name, action, pool, { "aws:ResourceTag/Stage": other }) }).toEqual({ action, other, d: false });
      }
    }
  });

  test.each(deployRoles)("$name allows the calls of later updates (LATER_UPDATE_ACTIONS) on its stage, but not a change of an API's Stage tag", async ({ name, environment }) => {
    const stage = environment === "preview" ? "pr-7" : environment;
    const tagged = { "aws:ResourceTag/Stage": stage };
    const resources: Record<string, [string, Record<string, string>]> = {
      iam: [`arn:aws:iam::${ACCOUNT}:role/api-auth-cognito-${stage}-use1-x`, { "iam:PermissionsBoundary": BOUNDARY }],
      lambda: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:api-auth-cognito-${stage}-x`, {}],
      logs: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api-auth-cognito-${stage}-x`, {}],
      "cognito-idp": [`arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${REGION}_Abc123`, tagged],
      "cognito-identity": [`arn:aws:cognito-identity:${REGION}:${ACCOUNT}:identitypool/${REGION}:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9`, tagged],
      apigateway: [`arn:aws:apigateway:${REGION}::/tags/arn:aws:apigateway:${REGION}::/apis/abc123`, {}],
    };
    for (const entry of Object.keys(LATER_UPDATE_ACTIONS)) {
      const action = entry.split(" ")[0];
      const [resource, context] = resources[action.split(":")[0]];
      expect({ entry, decision: await decision(name, action, resource, context) }).toEqual({ entry, decision: "Allowed" });
    }
    const tags = resources.apigateway[0];
    expect(await decision(name, "apigateway:POST", tags, { "aws:TagKeys": "Stage" })).toBe("ExplicitlyDenied");
    expect(await decision(name, "apigateway:DELETE", tags, { "aws:TagKeys": "Stage" })).toBe("ExplicitlyDenied");
  });

  test("LATER_UPDATE_ACTIONS lists the actions of issue 25", () => {
    expect(Object.keys(LATER_UPDATE_ACTIONS).sort()).toEqual(
      [
        "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary", "lambda:UntagResource", "logs:UntagResource", "cognito-idp:TagResource",
        "cognito-idp:UntagResource", "cognito-identity:TagResource", "cognito-identity:UntagResource", "apigateway:POST /tags", "apigateway:DELETE /tags",
      ].sort(),
    );
  });

  test("the boundary allows only the stages' function logs and invoking their APIs: nothing of IAM", () => {
    const boundary = policies[CI_BOUNDARY_NAME];
    expect(boundary.flatMap((st) => st.actions).sort()).toEqual(["execute-api:Invoke", "logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(boundary.flatMap((st) => st.resources)).toEqual([
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/api-auth-cognito-*:*`,
      `arn:aws:execute-api:${REGION}:${ACCOUNT}:*`,
    ]);
  });

  test("no role allows a wildcard action, NotAction or NotResource", () => {
    for (const [name, statements] of Object.entries(policies)) {
      for (const statement of statements.filter((st) => st.effect !== "Deny")) {
        for (const action of statement.actions) expect({ name, action }).toEqual({ name, action: expect.stringMatching(/^[a-z0-9-]+:[A-Za-z]+$/) });
      }
    }
  });
});
