import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { assertPhysicalName } from "./naming";
import { quoted, ValidationError } from "./validation";

/** The issuer of GitHub Actions' OIDC tokens. */
export const GITHUB_OIDC_ISSUER = "token.actions.githubusercontent.com";

/** Throws unless `repository` names a GitHub repository, `owner/name` (an owner of at most 39 characters). Tokens pass unchecked. */
export function assertGithubRepository(repository: string): void {
  if (Token.isUnresolved(repository)) return;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(repository)) {
    throw new ValidationError(`invalid GitHub repository ${quoted(repository)}: expected owner/name such as my-org/api-auth-cognito`);
  }
}

/** One role GitHub Actions may assume. */
export interface GithubActionsRoleProps {
  /** The role's name. */
  readonly roleName: string;
  /**
   * Which workflow runs may assume it: the `sub` claims after `repo:<owner>/<name>:`, such as `pull_request`,
   * `ref:refs/heads/main` or `environment:prod`. Matched exactly (StringEquals), never with wildcards.
   */
  readonly subjects: readonly string[];
  /** Its permissions: an IAM policy document (an object, rendered with `jsonencode`; it may hold tokens). */
  readonly policy: object;
}

/** Properties of a {@link GithubActionsRoles}. */
export interface GithubActionsRolesProps {
  /** The repository whose workflows may assume the roles, `owner/name`. */
  readonly repository: string;
  /** The account's GitHub OIDC identity provider, if it has one (an account holds one per issuer). @default a new one */
  readonly existingProviderArn?: string;
  /** The roles, by construct id. */
  readonly roles: Readonly<Record<string, GithubActionsRoleProps>>;
}

/**
 * IAM roles that GitHub Actions workflows of one repository assume with their OIDC token
 * (`aws-actions/configure-aws-credentials` with `role-to-assume`): no stored keys. Each role trusts only tokens
 * issued for STS (`aud = sts.amazonaws.com`) to the listed `sub` claims of that repository.
 */
export class GithubActionsRoles extends Construct {
  /** ARN of the OIDC identity provider the roles trust. */
  readonly providerArn: string;
  /** The roles and their inline policies, by construct id. */
  readonly resources: { readonly provider?: IamOpenidConnectProvider; readonly roles: Record<string, { role: IamRole; policy: IamRolePolicy }> };

  constructor(scope: Construct, id: string, props: GithubActionsRolesProps) {
    super(scope, id);
    assertGithubRepository(props.repository);
    const provider = props.existingProviderArn
      ? undefined
      : new IamOpenidConnectProvider(this, "Provider", { url: `https://${GITHUB_OIDC_ISSUER}`, clientIdList: ["sts.amazonaws.com"] });
    this.providerArn = props.existingProviderArn ?? provider!.arn;

    const roles: Record<string, { role: IamRole; policy: IamRolePolicy }> = {};
    for (const [roleId, spec] of Object.entries(props.roles)) {
      assertPhysicalName(spec.roleName, /^[\w+=,.@-]+$/, 64, "role name", "letters, digits and +=,.@_-");
      if (spec.subjects.length === 0) throw new ValidationError(`role ${quoted(spec.roleName)} has no subjects: expected at least one, e.g. "ref:refs/heads/main"`);
      const trust = new DataAwsIamPolicyDocument(this, `${roleId} Trust`, {
        statement: [
          {
            effect: "Allow",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [{ type: "Federated", identifiers: [this.providerArn] }],
            condition: [
              { test: "StringEquals", variable: `${GITHUB_OIDC_ISSUER}:aud`, values: ["sts.amazonaws.com"] },
              { test: "StringEquals", variable: `${GITHUB_OIDC_ISSUER}:sub`, values: spec.subjects.map((subject) => `repo:${props.repository}:${subject}`) },
            ],
          },
        ],
      });
      const role = new IamRole(this, roleId, { name: spec.roleName, assumeRolePolicy: trust.json, maxSessionDuration: 3600 });
      const policy = new IamRolePolicy(this, `${roleId} Policy`, { name: spec.roleName, role: role.id, policy: Fn.jsonencode(spec.policy) });
      roles[roleId] = { role, policy };
    }
    this.resources = { provider, roles };
  }
}
