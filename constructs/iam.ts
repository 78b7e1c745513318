import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";

/** IAM types the constructs share: a role made elsewhere, and the roles a grant accepts. */

/** An IAM role defined elsewhere, by ARN and name (an `IamRole` resource fits). */
export interface ExistingRole {
  readonly arn: string;
  readonly name: string;
}

/**
 * A role {@link HttpApi.grantInvoke} can give invoke permissions to: an `IamRole` of this app, or a role defined
 * elsewhere and known by its literal name and ARN.
 */
export type InvokeGrantee = IamRole | ExistingRole;
