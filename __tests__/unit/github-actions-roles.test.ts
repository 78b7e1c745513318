import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { CI_ROLE_NAMES } from "../../ci-permissions";
import { GithubActionsRoles } from "../../constructs/github-actions-roles";
import { ValidationError } from "../../constructs/validation";
import { buildApp, CI_STACK_NAME, CiRolesStack } from "../../main";
import { parse } from "../support/synthesized";

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

  test("creates GitHub's OIDC provider for STS, and two roles named for the app", () => {
    const { synth } = ciStack({});
    expect(synth).toHaveResourceWithProperties(IamOpenidConnectProvider, { url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] });
    expect(synth).toHaveResourceWithProperties(IamRole, { name: CI_ROLE_NAMES.plan, max_session_duration: 3600 });
    expect(synth).toHaveResourceWithProperties(IamRole, { name: CI_ROLE_NAMES.deploy });
  });

  test("the plan role trusts pull requests and main of this repository only, for STS; the deploy role only the deploy environments", () => {
    const { parsed } = ciStack({});
    const conditions = (id: string) => trustOf(parsed, id).condition;
    expect(trustOf(parsed, "Plan")).toMatchObject({ actions: ["sts:AssumeRoleWithWebIdentity"], principals: [{ type: "Federated" }] });
    expect(conditions("Plan")).toEqual([
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:sub", values: ["repo:my-org/api-auth-cognito:pull_request", "repo:my-org/api-auth-cognito:ref:refs/heads/main"] },
    ]);
    expect(conditions("Deploy")).toEqual([
      { test: "StringEquals", variable: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
      {
        test: "StringEquals",
        variable: "token.actions.githubusercontent.com:sub",
        values: ["repo:my-org/api-auth-cognito:environment:preview", "repo:my-org/api-auth-cognito:environment:dev", "repo:my-org/api-auth-cognito:environment:prod"],
      },
    ]);
  });

  test("an existing OIDC provider is trusted instead of creating one", () => {
    const arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    const { synth, parsed } = ciStack({ API_AUTH_COGNITO_GITHUB_OIDC_PROVIDER: arn });
    expect(synth).not.toHaveResource(IamOpenidConnectProvider);
    expect(trustOf(parsed, "Deploy").principals).toEqual([{ type: "Federated", identifiers: [arn] }]);
  });

  test("its state is in the state bucket, outside the stages' keys the roles may write", () => {
    const { parsed } = ciStack({ API_AUTH_COGNITO_STATE_BUCKET: "acme-tfstate" });
    expect(parsed.terraform!.backend!.s3).toMatchObject({ bucket: "acme-tfstate", key: "ci/api-auth-cognito/terraform.tfstate", use_lockfile: true });
  });

  test("a stage's cross-account deploy role may be assumed by the deploy role", () => {
    const role = "arn:aws:iam::222222222222:role/api-auth-cognito-deploy";
    const { parsed } = ciStack({ API_AUTH_COGNITO_DEPLOY_ROLE_PROD: role });
    const policies = Object.values(parsed.resource!.aws_iam_role_policy as Record<string, { name: string; policy: string }>);
    expect(policies.find((p) => p.name === CI_ROLE_NAMES.deploy)!.policy).toContain(`"sts:AssumeRole"`);
    expect(policies.find((p) => p.name === CI_ROLE_NAMES.plan)!.policy).not.toContain("sts:AssumeRole");
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
