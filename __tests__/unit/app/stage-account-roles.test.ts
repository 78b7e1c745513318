import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { CI_BOUNDARY_NAME, CI_ROLE_NAMES, PermissionStatement } from "../../../app/ci-permissions";
import { stageAccountRoles } from "../../../app/config";
import { ValidationError } from "../../../constructs/validation";
import { ApiAuthCognitoStack, buildApp, CI_STACK_NAME, STAGE_ROLE_VARIABLE, StageAccountRolesStack } from "../../../app";
import { planArgs } from "../../../tools/terraform/plan";
import { decide } from "../../../tools/ci-roles/role-check";
import { parse } from "../../support/synthesized";

const CI_ACCOUNT = "111122223333";
const PROD_ACCOUNT = "222222222222";
const REGION = "us-east-1";
const DEPLOY = `arn:aws:iam::${PROD_ACCOUNT}:role/api-auth-cognito-prod-deploy`;
const PLAN = `arn:aws:iam::${PROD_ACCOUNT}:role/api-auth-cognito-prod-plan`;
const WITH_CI = { API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/api-auth-cognito", API_AUTH_COGNITO_DEPLOY_ROLE_PROD: DEPLOY };

/** The app with these settings, and its stacks by name. */
function app(env: NodeJS.ProcessEnv = WITH_CI) {
  const built = buildApp(Testing.app(), env);
  return { built, stack: <T>(name: string) => built.node.tryFindChild(name) as T | undefined };
}

/** The policy documents of a synthesized stack, by name, read back from their `jsonencode(...)`. */
function policiesOf(parsed: ReturnType<typeof parse>): Record<string, PermissionStatement[]> {
  const documents = [
    ...Object.values((parsed.resource!.aws_iam_role_policy ?? {}) as Record<string, { name: string; policy: string }>),
    ...Object.values((parsed.resource!.aws_iam_policy ?? {}) as Record<string, { name: string; policy: string }>),
  ];
  return Object.fromEntries(
    documents.map(({ name, policy }) => {
      const json = policy
        .replace(/^\$\{jsonencode\(/, "")
        .replace(/\)\}$/, "")
        .replace(/\$\{data\.aws_caller_identity\.Account\.account_id\}/g, CI_ACCOUNT)
        .replace(/" = /g, '": ');
      const document = JSON.parse(json) as { Statement: Array<{ Sid: string; Effect: "Allow" | "Deny"; Action: string[]; Resource: string[]; Condition?: PermissionStatement["conditions"] }> };
      return [name, document.Statement.map((st) => ({ sid: st.Sid, effect: st.Effect, actions: st.Action, resources: st.Resource, conditions: st.Condition }))];
    }),
  );
}

const { stack } = app();
const account = stack<StageAccountRolesStack>("api-auth-cognito-prod-account")!;
const accountSynth = Testing.synth(account);
const accountParsed = parse(accountSynth);
const ciParsed = parse(Testing.synth(stack(CI_STACK_NAME)!));
const prod = stack<ApiAuthCognitoStack>("api-auth-cognito-prod")!;
const prodParsed = parse(Testing.synth(prod));

describe("a stage in another account: its account's roles stack", () => {
  test("is synthesized for a stage with a deploy role, with CI roles, on AWS only", () => {
    expect(account).toBeInstanceOf(StageAccountRolesStack);
    expect(stack("api-auth-cognito-dev-account")).toBeUndefined();
    expect(app({ API_AUTH_COGNITO_DEPLOY_ROLE_PROD: DEPLOY }).stack("api-auth-cognito-prod-account")).toBeUndefined();
    expect(app({ ...WITH_CI, API_AUTH_COGNITO_TARGET: "local" }).stack("api-auth-cognito-prod-account")).toBeUndefined();
  });

  test("runs only in the stage's account, with state beside the project's other local states", () => {
    expect(accountParsed.provider!.aws[0]).toMatchObject({ allowed_account_ids: [PROD_ACCOUNT], region: REGION });
    expect(accountParsed.terraform!.backend).toEqual({ local: { path: "../../../terraform.api-auth-cognito-prod-account.tfstate" } });
  });

  test("holds two roles named by the naming helper, and the permissions boundary", () => {
    const roles = Object.values(accountParsed.resource!.aws_iam_role as Record<string, { name: string }>).map((r) => r.name).sort();
    expect(roles).toEqual(["api-auth-cognito-prod-deploy", "api-auth-cognito-prod-plan"]);
    expect(stageAccountRoles({ name: "prod", deployRoleArn: DEPLOY })).toEqual({ account: PROD_ACCOUNT, plan: PLAN, deploy: DEPLOY });
    expect(accountSynth).toHaveResourceWithProperties(IamRole, { name: "api-auth-cognito-prod-plan", max_session_duration: 3600 });
    expect(Object.values(accountParsed.resource!.aws_iam_policy as Record<string, { name: string }>).map((p) => p.name)).toEqual([CI_BOUNDARY_NAME]);
    expect(Object.keys(accountParsed.output!).sort()).toEqual(["BoundaryPolicyArn", "DeployRoleArn", "PlanRoleArn"]);
  });

  test("each role trusts exactly one CI role, by ARN principal and aws:PrincipalArn: plan the CI plan role, deploy prod's", () => {
    const documents = accountParsed.data!.aws_iam_policy_document as Record<string, { statement: Array<Record<string, unknown>> }>;
    const trust = (id: string) => Object.entries(documents).find(([name]) => name.startsWith(`${id}_Trust_`))![1].statement;
    const exactly = (variable: string) => [
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "AWS", identifiers: [`\${var.${variable}}`] }],
        condition: [{ test: "StringEquals", variable: "aws:PrincipalArn", values: [`\${var.${variable}}`] }],
      },
    ];
    expect(trust("PlanRole")).toEqual(exactly("ci_plan_role_arn"));
    expect(trust("DeployRole")).toEqual(exactly("ci_deploy_role_arn"));
    // The variables take the CI stack's outputs, and nothing but the ARN of a role of that exact name.
    const condition = (variable: string) => (accountParsed.variable![variable].validation as Array<{ condition: string }>)[0].condition;
    expect(condition("ci_plan_role_arn")).toBe(`\${can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/${CI_ROLE_NAMES.plan}$", var.ci_plan_role_arn))}`);
    expect(condition("ci_deploy_role_arn")).toBe(`\${can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/${CI_ROLE_NAMES.prod}$", var.ci_deploy_role_arn))}`);
    expect(accountParsed.variable!.ci_plan_role_arn).not.toHaveProperty("default");
  });

  test("a deploy role that is not the one the stack creates is refused with one line", () => {
    const other = `arn:aws:iam::${PROD_ACCOUNT}:role/deploy`;
    const build = () => app({ ...WITH_CI, API_AUTH_COGNITO_DEPLOY_ROLE_PROD: other });
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(`invalid deploy role of stage "prod" "${other}": with CI roles, it is the role the stack api-auth-cognito-prod-account creates, ${DEPLOY}`);
  });

  test("no stage may be named like an account stack", () => {
    expect(() => app({ API_AUTH_COGNITO_STAGES: "prod-account" })).toThrow(/invalid stage name "prod-account": its stack would be api-auth-cognito-prod-account/);
  });
});

describe("a stage in another account: its stack and the CI roles", () => {
  test("the provider assumes the role of a variable: the deploy role by default, the read-only role or nothing else", () => {
    expect(prodParsed.provider!.aws[0].assume_role).toEqual([{ role_arn: `\${var.${STAGE_ROLE_VARIABLE}}`, session_name: "api-auth-cognito-prod" }]);
    expect(prodParsed.variable![STAGE_ROLE_VARIABLE]).toMatchObject({ type: "string", default: DEPLOY });
    expect((prodParsed.variable![STAGE_ROLE_VARIABLE].validation as Array<{ condition: string }>)[0].condition).toBe(
      `\${contains(${JSON.stringify([DEPLOY, PLAN])}, var.${STAGE_ROLE_VARIABLE})}`,
    );
    expect(prod.manifest.roles).toEqual({ variable: STAGE_ROLE_VARIABLE, deploy: DEPLOY, plan: PLAN });
    // dev, in the CI account, has neither.
    const dev = stack<ApiAuthCognitoStack>("api-auth-cognito-dev")!;
    expect(dev.manifest.roles).toBeUndefined();
    expect(parse(Testing.synth(dev)).variable).toBeUndefined();
  });

  test("remote plans pass the read-only role; offline plans and stages without one pass nothing", () => {
    expect(planArgs(prod.manifest, true)).toEqual(["plan", "-input=false", `-var=${STAGE_ROLE_VARIABLE}=${PLAN}`, "-out=tfplan"]);
    expect(planArgs(prod.manifest, false)).toEqual(["plan", "-input=false", "-out=tfplan"]);
    expect(planArgs(stack<ApiAuthCognitoStack>("api-auth-cognito-dev")!.manifest, true)).toEqual(["plan", "-input=false", "-out=tfplan"]);
  });

  test("the roles the stage creates carry the boundary of its own account", () => {
    const roles = Object.values(prodParsed.resource!.aws_iam_role as Record<string, { permissions_boundary?: string }>);
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role.permissions_boundary).toBe(`arn:aws:iam::${PROD_ACCOUNT}:policy/${CI_BOUNDARY_NAME}`);
  });

  test("the CI plan role may sts:AssumeRole exactly the read-only roles; prod's role exactly the deploy role; no other role either", () => {
    const policies = policiesOf(ciParsed);
    const assumable = (name: string) => policies[name].filter((st) => st.actions.includes("sts:AssumeRole")).flatMap((st) => st.resources);
    expect(assumable(CI_ROLE_NAMES.plan)).toEqual([PLAN]);
    expect(assumable(CI_ROLE_NAMES.prod)).toEqual([DEPLOY]);
    expect(assumable(CI_ROLE_NAMES.dev)).toEqual([]);
    expect(assumable(CI_ROLE_NAMES.preview)).toEqual([]);
  });
});

describe("a stage in another account, decided by the IAM policy simulator", () => {
  const ci = policiesOf(ciParsed);
  const own = policiesOf(accountParsed);
  const decision = (statements: PermissionStatement[], action: string, resource: string, context: Record<string, string> = {}, accountId = CI_ACCOUNT) =>
    decide(statements, { action, resource, context, because: "test" }, accountId);

  test("the CI plan role is denied sts:AssumeRole on the deploy role, allowed on the read-only role", async () => {
    expect(await decision(ci[CI_ROLE_NAMES.plan], "sts:AssumeRole", DEPLOY)).not.toBe("Allowed");
    expect(await decision(ci[CI_ROLE_NAMES.plan], "sts:AssumeRole", PLAN)).toBe("Allowed");
    expect(await decision(ci[CI_ROLE_NAMES.preview], "sts:AssumeRole", PLAN)).not.toBe("Allowed");
    expect(await decision(ci[CI_ROLE_NAMES.dev], "sts:AssumeRole", DEPLOY)).not.toBe("Allowed");
  });

  test("the read-only role there reads the stage and changes nothing", async () => {
    const plan = own["api-auth-cognito-prod-plan"];
    const pool = `arn:aws:cognito-idp:${REGION}:${PROD_ACCOUNT}:userpool/${REGION}_Abc123`;
    const role = `arn:aws:iam::${PROD_ACCOUNT}:role/api-auth-cognito-prod-use1-private`;
    expect(await decision(plan, "cognito-idp:DescribeUserPool", pool, {}, PROD_ACCOUNT)).toBe("Allowed");
    expect(await decision(plan, "iam:GetRole", role, {}, PROD_ACCOUNT)).toBe("Allowed");
    for (const [action, resource] of [["cognito-idp:DeleteUserPool", pool], ["cognito-idp:AdminCreateUser", pool], ["iam:CreateRole", role], ["iam:UpdateAssumeRolePolicy", DEPLOY], ["sts:AssumeRole", DEPLOY]]) {
      expect({ action, d: await decision(plan, action, resource, { "aws:ResourceTag/Stage": "prod" }, PROD_ACCOUNT) }).not.toEqual({ action, d: "Allowed" });
    }
    expect(plan.map((st) => st.sid)).not.toEqual(expect.arrayContaining(["StateList"]));
  });

  test("the deploy role there deploys and smoke-tests the stage, with the boundary, and cannot rewrite the account's two roles", async () => {
    const deploy = own["api-auth-cognito-prod-deploy"];
    const pool = `arn:aws:cognito-idp:${REGION}:${PROD_ACCOUNT}:userpool/${REGION}_Abc123`;
    const role = `arn:aws:iam::${PROD_ACCOUNT}:role/api-auth-cognito-prod-use1-private`;
    const boundary = { "iam:PermissionsBoundary": `arn:aws:iam::${PROD_ACCOUNT}:policy/${CI_BOUNDARY_NAME}` };
    expect(await decision(deploy, "cognito-idp:AdminCreateUser", pool, { "aws:ResourceTag/Stage": "prod" }, PROD_ACCOUNT)).toBe("Allowed");
    expect(await decision(deploy, "cognito-idp:AdminCreateUser", pool, { "aws:ResourceTag/Stage": "dev" }, PROD_ACCOUNT)).not.toBe("Allowed");
    expect(await decision(deploy, "iam:CreateRole", role, boundary, PROD_ACCOUNT)).toBe("Allowed");
    expect(await decision(deploy, "iam:CreateRole", role, {}, PROD_ACCOUNT)).toBe("ExplicitlyDenied");
    for (const target of [PLAN, DEPLOY]) {
      for (const action of ["iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:PutRolePolicy"]) {
        expect({ target, action, d: await decision(deploy, action, target, boundary, PROD_ACCOUNT) }).toEqual({ target, action, d: "ExplicitlyDenied" });
      }
    }
    expect(deploy.filter((st) => st.actions.some((a) => a.startsWith("s3:") || a === "sts:AssumeRole"))).toEqual([]);
  });
});
