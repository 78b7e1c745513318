import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { assertPhysicalName } from "./naming";
import { quoted, ValidationError } from "./validation";

/** Properties of a {@link CrossAccountRole}. */
export interface CrossAccountRoleProps {
  /** The role's name. */
  readonly roleName: string;
  /** ARNs of the roles (of another account) that may assume it: exact role ARNs, never an account root. Tokens are fine. */
  readonly trustedRoleArns: readonly string[];
  /** Its permissions: an IAM policy document (an object, rendered with `jsonencode`; it may hold tokens). */
  readonly policy: object;
  /** Longest session, in seconds. @default 3600 */
  readonly maxSessionDuration?: number;
}

/**
 * An IAM role that only the given roles may assume (`sts:AssumeRole`): each named as a principal by its exact ARN, and
 * again in an `aws:PrincipalArn` condition, so that widening the principal later (to the account root, say) still
 * admits these roles only. No external id: it guards a third party acting for many customers (the confused deputy),
 * and here both sides are the same owner's roles.
 */
export class CrossAccountRole extends Construct {
  /** ARN of the role. */
  readonly roleArn: string;
  /** The trust policy, the role and its inline policy. */
  readonly resources: { readonly trust: DataAwsIamPolicyDocument; readonly role: IamRole; readonly policy: IamRolePolicy };

  constructor(scope: Construct, id: string, props: CrossAccountRoleProps) {
    super(scope, id);
    const maxSessionDuration = props.maxSessionDuration ?? 3600;
    assertPhysicalName(props.roleName, /^[\w+=,.@-]+$/, 64, "role name", "letters, digits and +=,.@_-");
    if (props.trustedRoleArns.length === 0) throw new ValidationError(`role ${quoted(props.roleName)} trusts no role: expected at least one role ARN`);
    const trust = new DataAwsIamPolicyDocument(this, "Trust", {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "AWS", identifiers: [...props.trustedRoleArns] }],
          condition: [{ test: "StringEquals", variable: "aws:PrincipalArn", values: [...props.trustedRoleArns] }],
        },
      ],
    });
    const role = new IamRole(this, "Role", { name: props.roleName, assumeRolePolicy: trust.json, maxSessionDuration });
    const policy = new IamRolePolicy(this, "Policy", { name: props.roleName, role: role.id, policy: Fn.jsonencode(props.policy) });
    this.roleArn = role.arn;
    this.resources = { trust, role, policy };
  }
}
