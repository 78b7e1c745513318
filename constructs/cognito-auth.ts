import { CognitoIdentityPool, CognitoIdentityPoolConfig } from "@cdktf/provider-aws/lib/cognito-identity-pool";
import { CognitoIdentityPoolRolesAttachment } from "@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment";
import { CognitoUserPool, CognitoUserPoolConfig } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient, CognitoUserPoolClientConfig } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { DataAwsCognitoUserPool } from "@cdktf/provider-aws/lib/data-aws-cognito-user-pool";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Fn, TerraformResourceLifecycle, Token } from "cdktf";
import { Construct } from "constructs";
import type { InvokeGrantee } from "./iam";
import { assertPhysicalName, derivedName, identityPoolName, MAX_NAME_PREFIX_LENGTH } from "./naming";
import { refuseOverrides, Refusals } from "./overrides";
import { UserPoolEmail, userPoolEmailConfiguration } from "./user-pool-email";
import { assertPolicyArn, quoted, ValidationError } from "./validation";

/** Something that can let an IAM role call it, such as an {@link HttpApi}. */
export interface InvokeGrantable {
  /**
   * Lets `role` (an `IamRole`, or an existing role known by its literal name and ARN) invoke this target. May be
   * called again for the same role: grants compose.
   */
  grantInvoke(role: InvokeGrantee): unknown;
}

/**
 * Sign-in providers besides the user pool whose tokens the identity pool accepts, as sst.Auth's
 * `identityPoolFederation`. Users of each get the authenticated role too.
 */
export interface IdentityPoolFederation {
  /** Google sign-in: the OAuth client id. */
  readonly google?: { readonly clientId: string };
  /** Facebook login: the app id. */
  readonly facebook?: { readonly appId: string };
  /** Sign in with Apple: the services id. */
  readonly apple?: { readonly servicesId: string };
  /** Login with Amazon: the app id. */
  readonly amazon?: { readonly appId: string };
  /** Twitter: the consumer key and secret. */
  readonly twitter?: { readonly consumerKey: string; readonly consumerSecret: string };
  /** OpenID Connect providers (Auth0, Okta, ...): ARNs of their IAM OIDC identity providers. */
  readonly oidcProviderArns?: string[];
}

/**
 * Settings passed through to the underlying resources, over the construct's own: the escape hatch.
 *
 * Keys the construct validates or derives from its props are refused with a {@link ValidationError} naming the prop
 * to set instead; every other key passes through, including settings the construct only defaults (the client's
 * `explicitAuthFlows` and token validity, the user pool's password policy and MFA). A `lifecycle` of the user pool or
 * the identity pool is merged with the construct's `prevent_destroy`, which it may not lift.
 */
export interface CognitoAuthOverrides {
  /**
   * Settings of the new `aws_cognito_user_pool`. Refused: `name` (set `namePrefix`), `deletionProtection` (set
   * `deletionProtection`), and, when `email` is set, `emailConfiguration` (set `email`).
   */
  readonly userPool?: Partial<CognitoUserPoolConfig>;
  /**
   * Settings of the `aws_cognito_user_pool_client`. Refused: `name` (set `namePrefix`), `userPoolId` (the construct's
   * user pool; set `existingUserPoolId` for another).
   */
  readonly userPoolClient?: Partial<CognitoUserPoolClientConfig>;
  /**
   * Settings of the `aws_cognito_identity_pool`. Refused: `identityPoolName` (set `namePrefix`),
   * `allowUnauthenticatedIdentities` (set `allowGuestAccess`, which also creates the guest role),
   * `cognitoIdentityProviders` (the construct's user pool and client; set `existingUserPoolId` or `federation`),
   * `supportedLoginProviders` and `openidConnectProviderArns` (set `federation`).
   */
  readonly identityPool?: Partial<CognitoIdentityPoolConfig>;
}

/** What `cdk.userPool` may not set. */
const USER_POOL_REFUSALS: Refusals<CognitoUserPoolConfig> = { name: "namePrefix", deletionProtection: "deletionProtection" };

/** What `cdk.userPoolClient` may not set. */
const USER_POOL_CLIENT_REFUSALS: Refusals<CognitoUserPoolClientConfig> = { name: "namePrefix", userPoolId: "existingUserPoolId" };

/** What `cdk.identityPool` may not set. */
const IDENTITY_POOL_REFUSALS: Refusals<CognitoIdentityPoolConfig> = {
  identityPoolName: "namePrefix",
  allowUnauthenticatedIdentities: "allowGuestAccess",
  cognitoIdentityProviders: {
    fixed: "its user pool and app client",
    instead: "set existingUserPoolId for another user pool, or federation for other sign-in providers",
  },
  supportedLoginProviders: "federation",
  openidConnectProviderArns: "federation",
};

/** Properties of a {@link CognitoAuth}. */
export interface CognitoAuthProps {
  /** Start of every physical name, e.g. `api-auth-cognito-dev`: the user pool becomes `<prefix>-users`. */
  readonly namePrefix: string;
  /**
   * Start of the roles' names: `<roleNamePrefix>-authenticated`. IAM names are global to an account, so a stage
   * deployed to two regions of one account needs one per region (the app adds a region code: `api-auth-cognito-dev-use1`).
   * @default namePrefix
   */
  readonly roleNamePrefix?: string;
  /** Let visitors who have not signed in get credentials of an unauthenticated role. @default false */
  readonly allowGuestAccess?: boolean;
  /**
   * Have AWS refuse to delete the user pool, and with it every user account, until this is turned off and deployed
   * (Cognito's `deletion_protection`). AWS checks it only when Terraform comes to delete the pool, after what a
   * destroy deletes first: see `preventDestroy`, which this turns on too. @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Have Terraform refuse every plan that destroys the user pool or the identity pool (`lifecycle { prevent_destroy =
   * true }` on both): `terraform destroy`, or a change that would replace either, fails at plan time with "Instance
   * cannot be destroyed", before anything is deleted. Without it, a destroy of a protected pool's stack deletes the
   * identity pool (every identity id), the client and the roles before AWS refuses the user pool. Terraform reads it
   * from the code alone: turning it off takes effect without a deploy. With `existingUserPoolId`, it guards the
   * identity pool. @default deletionProtection
   */
  readonly preventDestroy?: boolean;
  /**
   * Send the user pool's messages (sign-up codes, password resets, invitations) through your own SES identity.
   * Unset, Cognito sends them itself (`COGNITO_DEFAULT`, from no-reply@verificationemail.com): at most 50 a day for
   * all the account's user pools that do, a quota AWS does not raise and calls "below the required delivery volume"
   * of typical production use (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html). With `email`,
   * `cdk.userPool.emailConfiguration` is refused, since it would replace this sender; without, it passes through
   * (for Cognito's sender with your own FROM address, say). @default Cognito's own sender, `COGNITO_DEFAULT`
   */
  readonly email?: UserPoolEmail;
  /** Use this existing user pool, e.g. one shared by several apps, instead of creating one. @default a new user pool */
  readonly existingUserPoolId?: string;
  /** Other sign-in providers the identity pool accepts. @default the user pool only */
  readonly federation?: IdentityPoolFederation;
  /**
   * Have the identity pool check each ID token with the user pool before it hands out credentials, so that the token
   * of a user who signed out (GlobalSignOut, a revoked refresh token) buys no more credentials. Off, such a token
   * keeps buying credentials until it expires (up to an hour). @default true
   */
  readonly serverSideTokenCheck?: boolean;
  /**
   * ARN of a managed policy that bounds the permissions of the roles this creates (the authenticated and guest roles),
   * such as the one a deployment pipeline requires of every role it creates. @default none
   */
  readonly permissionsBoundary?: string;
  /** Settings for the user pool, client and identity pool that override ours. @default none */
  readonly cdk?: CognitoAuthOverrides;
}

/** The Terraform resources a {@link CognitoAuth} defines. */
export interface CognitoAuthResources {
  /** The user pool this construct created; absent with `existingUserPoolId`. */
  readonly userPool?: CognitoUserPool;
  /** The existing user pool, with `existingUserPoolId`. */
  readonly existingUserPool?: DataAwsCognitoUserPool;
  readonly userPoolClient: CognitoUserPoolClient;
  readonly identityPool: CognitoIdentityPool;
  readonly authenticatedRole: IamRole;
  /** Only when guest access is allowed. */
  readonly unauthenticatedRole?: IamRole;
  readonly rolesAttachment: CognitoIdentityPoolRolesAttachment;
}

/** The sign-in state an identity-pool role is for: the `amr` value its trust policy requires. */
type IdentityKind = "authenticated" | "unauthenticated";

/** The user pool the construct uses, new or existing. */
interface UserPoolRef {
  readonly id: string;
  readonly arn: string;
  /** How the identity pool names the pool: `cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly providerName: string;
  readonly created?: CognitoUserPool;
  readonly existing?: DataAwsCognitoUserPool;
}

/**
 * The lifecycle of a pool: the escape hatch's `lifecycle` (at `path`), with `prevent_destroy` when `preventDestroy`
 * is on. Throws a {@link ValidationError} when the escape hatch would lift it.
 */
function guardedLifecycle(path: string, lifecycle: TerraformResourceLifecycle | undefined, preventDestroy: boolean): TerraformResourceLifecycle | undefined {
  if (!preventDestroy) return lifecycle;
  if (lifecycle?.preventDestroy === false) {
    throw new ValidationError(`cannot set ${path}.lifecycle.preventDestroy to false: the construct derives it from preventDestroy (by default deletionProtection); set preventDestroy: false instead`);
  }
  return { ...lifecycle, preventDestroy: true };
}

/** User pool ids: `<region>_<id>`. */
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

/** The identity pool's `supported_login_providers`: provider domain to app id, as Cognito names them. */
function loginProviders(federation: IdentityPoolFederation): Record<string, string> | undefined {
  const providers: Record<string, string> = {};
  if (federation.google) providers["accounts.google.com"] = federation.google.clientId;
  if (federation.facebook) providers["graph.facebook.com"] = federation.facebook.appId;
  if (federation.apple) providers["appleid.apple.com"] = federation.apple.servicesId;
  if (federation.amazon) providers["www.amazon.com"] = federation.amazon.appId;
  if (federation.twitter) providers["api.twitter.com"] = `${federation.twitter.consumerKey};${federation.twitter.consumerSecret}`;
  return Object.keys(providers).length > 0 ? providers : undefined;
}

/**
 * Sign-up and sign-in with Cognito, and AWS credentials for signed-in users: the Terraform counterpart of sst.Auth.
 *
 * Defines a user pool where users sign in with their email (verified automatically), a public app client (no
 * secret), and an identity pool that trades the client's ID tokens for temporary credentials of the
 * authenticated role. That role trusts only this identity pool (`aud`) and only signed-in identities (`amr`).
 * It has no permissions until you attach some, e.g. `auth.attachPermissionsForAuthUsers(api)`.
 */
export class CognitoAuth extends Construct {
  /** ID of the user pool. */
  readonly userPoolId: string;
  /** ARN of the user pool. */
  readonly userPoolArn: string;
  /** ID of the app client. */
  readonly userPoolClientId: string;
  /** ID of the identity pool. */
  readonly identityPoolId: string;
  /** The role signed-in users assume. */
  readonly authenticatedRole: IamRole;
  /** The role guests assume; only when guest access is allowed. */
  readonly unauthenticatedRole?: IamRole;
  /** The underlying Terraform resources. */
  readonly resources: CognitoAuthResources;

  constructor(scope: Construct, id: string, props: CognitoAuthProps) {
    super(scope, id);
    const allowGuestAccess = props.allowGuestAccess ?? false;
    const serverSideTokenCheck = props.serverSideTokenCheck ?? true;
    const preventDestroy = props.preventDestroy ?? props.deletionProtection ?? false;
    const prefix = props.namePrefix;
    const rolePrefix = props.roleNamePrefix ?? prefix;
    assertPhysicalName(prefix, /^[A-Za-z0-9-]+$/, MAX_NAME_PREFIX_LENGTH, "name prefix", "letters, digits and hyphens");
    assertPhysicalName(rolePrefix, /^[A-Za-z0-9-]+$/, MAX_NAME_PREFIX_LENGTH, "role name prefix", "letters, digits and hyphens");
    if (props.existingUserPoolId !== undefined && !Token.isUnresolved(props.existingUserPoolId) && !USER_POOL_ID.test(props.existingUserPoolId)) {
      throw new ValidationError(`invalid existing user pool id ${quoted(props.existingUserPoolId)}: expected <region>_<id>, such as us-east-1_AbC123xyZ`);
    }
    if (props.existingUserPoolId !== undefined && (props.deletionProtection !== undefined || props.email !== undefined || props.cdk?.userPool !== undefined)) {
      throw new ValidationError(
        `deletionProtection, email and cdk.userPool configure a new user pool: with existingUserPoolId ${quoted(props.existingUserPoolId)}, set them where that pool is defined`,
      );
    }
    if (props.permissionsBoundary !== undefined) assertPolicyArn(props.permissionsBoundary, "permissions boundary");
    refuseOverrides("cdk.userPool", props.cdk?.userPool, props.email ? { ...USER_POOL_REFUSALS, emailConfiguration: "email" } : USER_POOL_REFUSALS);
    refuseOverrides("cdk.userPoolClient", props.cdk?.userPoolClient, USER_POOL_CLIENT_REFUSALS);
    refuseOverrides("cdk.identityPool", props.cdk?.identityPool, IDENTITY_POOL_REFUSALS);

    const pool = props.existingUserPoolId === undefined ? this.newUserPool(prefix, props, preventDestroy) : this.existingUserPool(props.existingUserPoolId);
    const userPoolClient = new CognitoUserPoolClient(this, "UserPoolClient", {
      name: derivedName(prefix, "client"),
      userPoolId: pool.id,
      generateSecret: false,
      // SRP for apps (Amplify); USER_PASSWORD for the AWS CLI walkthrough; refresh tokens for both.
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      accessTokenValidity: 60,
      idTokenValidity: 60,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "days" }],
      ...props.cdk?.userPoolClient,
    });

    const federation = props.federation ?? {};
    const identityPool = new CognitoIdentityPool(this, "IdentityPool", {
      identityPoolName: identityPoolName(prefix),
      // Written out even when false: scanners (checkov CKV_AWS_366) fail a pool that leaves it unset.
      allowUnauthenticatedIdentities: allowGuestAccess,
      allowClassicFlow: false,
      cognitoIdentityProviders: [{ providerName: pool.providerName, clientId: userPoolClient.id, serverSideTokenCheck }],
      supportedLoginProviders: loginProviders(federation),
      openidConnectProviderArns: federation.oidcProviderArns,
      ...props.cdk?.identityPool,
      lifecycle: guardedLifecycle("cdk.identityPool", props.cdk?.identityPool?.lifecycle, preventDestroy),
    });

    const authenticatedRole = this.identityPoolRole(identityPool.id, derivedName(rolePrefix, "authenticated"), "authenticated", props.permissionsBoundary);
    const unauthenticatedRole = allowGuestAccess
      ? this.identityPoolRole(identityPool.id, derivedName(rolePrefix, "unauthenticated"), "unauthenticated", props.permissionsBoundary)
      : undefined;
    const rolesAttachment = new CognitoIdentityPoolRolesAttachment(this, "RolesAttachment", {
      identityPoolId: identityPool.id,
      roles: unauthenticatedRole
        ? { authenticated: authenticatedRole.arn, unauthenticated: unauthenticatedRole.arn }
        : { authenticated: authenticatedRole.arn },
    });

    this.userPoolId = pool.id;
    this.userPoolArn = pool.arn;
    this.userPoolClientId = userPoolClient.id;
    this.identityPoolId = identityPool.id;
    this.authenticatedRole = authenticatedRole;
    this.unauthenticatedRole = unauthenticatedRole;
    this.resources = {
      userPool: pool.created,
      existingUserPool: pool.existing,
      userPoolClient,
      identityPool,
      authenticatedRole,
      unauthenticatedRole,
      rolesAttachment,
    };
  }

  /** A new user pool where users sign in with their email. */
  private newUserPool(prefix: string, props: CognitoAuthProps, preventDestroy: boolean): UserPoolRef {
    const userPool = new CognitoUserPool(this, "UserPool", {
      name: derivedName(prefix, "users"),
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      usernameConfiguration: { caseSensitive: false },
      passwordPolicy: {
        minimumLength: 8,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 7,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      mfaConfiguration: "OPTIONAL",
      softwareTokenMfaConfiguration: { enabled: true },
      deletionProtection: props.deletionProtection ? "ACTIVE" : "INACTIVE",
      // Written out: unset, a new pool lands on Essentials. Every feature used here is in Lite, the cheaper tier.
      userPoolTier: "LITE",
      // Unset, the pool keeps Cognito's own sender, as before `email` existed: an existing pool's plan is unchanged.
      ...(props.email && { emailConfiguration: userPoolEmailConfiguration(props.email) }),
      ...props.cdk?.userPool,
      lifecycle: guardedLifecycle("cdk.userPool", props.cdk?.userPool?.lifecycle, preventDestroy),
    });
    return { id: userPool.id, arn: userPool.arn, providerName: userPool.endpoint, created: userPool };
  }

  /** An existing user pool, looked up by id. */
  private existingUserPool(userPoolId: string): UserPoolRef {
    const existing = new DataAwsCognitoUserPool(this, "ExistingUserPool", { userPoolId });
    // The pool's region is the part of its id before "_" (us-east-1_AbC123xyZ): no aws_region data source, whose
    // `name` provider 6 deprecates for `region`, an attribute provider 5 lacks.
    const region = Fn.element(Fn.split("_", existing.userPoolId), 0);
    return { id: existing.userPoolId, arn: existing.arn, providerName: `cognito-idp.${region}.amazonaws.com/${existing.userPoolId}`, existing };
  }

  /** Lets signed-in users call each target, e.g. every AWS_IAM route of an {@link HttpApi}. */
  attachPermissionsForAuthUsers(...targets: InvokeGrantable[]): void {
    for (const target of targets) target.grantInvoke(this.authenticatedRole);
  }

  /** Lets guests call each target; throws unless guest access is allowed. */
  attachPermissionsForUnauthUsers(...targets: InvokeGrantable[]): void {
    const role = this.unauthenticatedRole;
    if (!role) {
      throw new ValidationError(`cannot attach permissions for guests of "${this.node.path}": guest access is off; set allowGuestAccess: true`);
    }
    for (const target of targets) target.grantInvoke(role);
  }

  /** A role that only identities of the identity pool `identityPoolId` in the given sign-in state can assume. */
  private identityPoolRole(identityPoolId: string, name: string, kind: IdentityKind, permissionsBoundary: string | undefined): IamRole {
    const id = kind === "authenticated" ? "AuthenticatedRole" : "UnauthenticatedRole";
    const trust = new DataAwsIamPolicyDocument(this, `${id}TrustPolicy`, {
      statement: [
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: ["cognito-identity.amazonaws.com"] }],
          condition: [
            // Without aud, identities of any identity pool in any account could assume this role.
            { test: "StringEquals", variable: "cognito-identity.amazonaws.com:aud", values: [identityPoolId] },
            { test: "ForAnyValue:StringLike", variable: "cognito-identity.amazonaws.com:amr", values: [kind] },
          ],
        },
      ],
    });
    // Renamed, the new role is in place before the old one goes: signed-in users never meet a deleted role.
    return new IamRole(this, id, { name, assumeRolePolicy: trust.json, permissionsBoundary, lifecycle: { createBeforeDestroy: true } });
  }
}
