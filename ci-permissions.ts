import { APP_NAME } from "./config";

/**
 * What the CI roles may do: the plan role reads a stage and takes the state lock, the deploy role also creates,
 * updates and deletes it. Every action here was recorded at the local cloud while the real Terraform planned,
 * applied, updated and destroyed a stage (`npm run ci-roles` prints the calls and these policies), or is a call AWS
 * makes on the deployer's behalf ({@link IMPLIED_ACTIONS}). `__tests__/e2e/ci-roles.test.ts` proves with an IAM
 * policy simulator that the deploy role allows every recorded call and the plan role every call of a plan, that the
 * plan role denies every change, and that nothing here goes unused.
 */

/** One statement of a role's policy. */
export interface PermissionStatement {
  readonly sid: string;
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** `test` (StringEquals, StringLike, ...) → key → values. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** Where the roles act: the account, the stages' regions and the state bucket. Values may be Terraform tokens. */
export interface PermissionScope {
  readonly accountId: string;
  readonly regions: readonly string[];
  readonly stateBucket: string;
  /** Roles the stages' providers assume in other accounts (`deployRoleArn`): the deploy role may assume them. @default none */
  readonly stageRoleArns?: readonly string[];
}

/**
 * The GitHub environments whose jobs deploy (`.github/workflows/infrastructure.yml`): the deploy role trusts only
 * their tokens. GitHub's environment settings decide which branches may use them: dev and prod only main.
 */
export const CI_DEPLOY_ENVIRONMENTS = ["preview", "dev", "prod"] as const;

/** What the plan role trusts: plans of pull requests, and of main (the nightly drift check). */
export const CI_PLAN_SUBJECTS = ["pull_request", "ref:refs/heads/main"] as const;

/** The names of the CI roles: kept out of the deploy role's reach, so it cannot widen its own policy. */
export const CI_ROLE_NAMES = { plan: `${APP_NAME}-ci-plan`, deploy: `${APP_NAME}-ci-deploy` } as const;

/** What API Gateway does as the caller to deliver a stage's access logs; none has resource-level permissions. */
export const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
  "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
] as const;

/**
 * Actions no Terraform request shows, that AWS checks when it serves one: passing the stages' roles to Lambda and to
 * the identity pool, tagging on create, and the CloudWatch Logs delivery that API Gateway sets up for access logs.
 * The source of each is the AWS documentation named beside it.
 */
export const IMPLIED_ACTIONS: Readonly<Record<string, string>> = {
  "iam:PassRole": "CreateFunction passes the function's role, SetIdentityPoolRoles the pool's roles (IAM user guide, \"Grant a user permissions to pass a role to an AWS service\")",
  "iam:TagRole": "CreateRole with tags (IAM user guide, \"Permissions required to tag IAM entities\")",
  "lambda:TagResource": "CreateFunction with tags (Lambda developer guide, \"Using tags on Lambda functions\")",
  "logs:TagResource": "CreateLogGroup with tags (CloudWatch Logs API reference, CreateLogGroup)",
  ...Object.fromEntries(
    LOG_DELIVERY_ACTIONS.map((action) => [action, 'a stage with access logs: API Gateway sets up CloudWatch Logs delivery as the caller (API Gateway developer guide, "Configure logging for HTTP APIs in API Gateway")']),
  ),
};

/** The ARNs of what a stage owns, by kind, in every region of `scope`. */
function owned({ accountId, regions, stateBucket }: PermissionScope) {
  const inRegions = (arn: (region: string) => string) => regions.map(arn);
  const name = `${APP_NAME}-*`;
  return {
    roles: [`arn:aws:iam::${accountId}:role/${name}`],
    functions: inRegions((r) => `arn:aws:lambda:${r}:${accountId}:function:${name}`),
    logGroups: inRegions((r) => `arn:aws:logs:${r}:${accountId}:log-group:/aws/lambda/${name}`).concat(
      inRegions((r) => `arn:aws:logs:${r}:${accountId}:log-group:/aws/vendedlogs/apigateway/${name}`),
    ),
    // Pools and APIs are named by ids AWS picks: an account and region are all their ARNs can be scoped by.
    userPools: inRegions((r) => `arn:aws:cognito-idp:${r}:${accountId}:userpool/*`),
    identityPools: inRegions((r) => `arn:aws:cognito-identity:${r}:${accountId}:identitypool/*`),
    apis: inRegions((r) => `arn:aws:apigateway:${r}::/apis`).concat(inRegions((r) => `arn:aws:apigateway:${r}::/apis/*`)),
    stateBucket: [`arn:aws:s3:::${stateBucket}`],
    states: [`arn:aws:s3:::${stateBucket}/${APP_NAME}/*`],
    locks: [`arn:aws:s3:::${stateBucket}/${APP_NAME}/*.tflock`],
    ciRoles: Object.values(CI_ROLE_NAMES).map((role) => `arn:aws:iam::${accountId}:role/${role}`),
  };
}

/**
 * The plan role: read every resource of a stage, read the state, and write and delete only the state's lock file
 * (`use_lockfile`: a plan takes the lock, so a read-only role could not plan).
 */
export function planStatements(scope: PermissionScope): PermissionStatement[] {
  const own = owned(scope);
  return [
    { sid: "StateList", actions: ["s3:ListBucket"], resources: own.stateBucket },
    { sid: "StateRead", actions: ["s3:GetObject"], resources: own.states },
    { sid: "StateLock", actions: ["s3:PutObject", "s3:DeleteObject"], resources: own.locks },
    { sid: "ReadRoles", actions: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"], resources: own.roles },
    {
      sid: "ReadFunctions",
      actions: ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetPolicy", "lambda:ListVersionsByFunction"],
      resources: own.functions,
    },
    { sid: "ReadLogGroups", actions: ["logs:ListTagsForResource"], resources: own.logGroups },
    { sid: "ReadUserPools", actions: ["cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:GetUserPoolMfaConfig"], resources: own.userPools },
    { sid: "ReadIdentityPools", actions: ["cognito-identity:DescribeIdentityPool", "cognito-identity:GetIdentityPoolRoles"], resources: own.identityPools },
    { sid: "ReadApis", actions: ["apigateway:GET"], resources: own.apis },
    // DescribeLogGroups has no resource-level permissions (Service Authorization Reference, CloudWatch Logs).
    { sid: "ListLogGroups", actions: ["logs:DescribeLogGroups"], resources: ["*"] },
  ];
}

/** The deploy role: the plan role's reads, and creating, updating and deleting what a stage owns, its state included. */
export function deployStatements(scope: PermissionScope): PermissionStatement[] {
  const own = owned(scope);
  return [
    ...planStatements(scope),
    { sid: "StateWrite", actions: ["s3:PutObject", "s3:DeleteObject"], resources: own.states },
    {
      sid: "WriteRoles",
      actions: ["iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole", "iam:PutRolePolicy", "iam:TagRole"],
      resources: own.roles,
    },
    {
      sid: "PassRoles",
      actions: ["iam:PassRole"],
      resources: own.roles,
      conditions: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "cognito-identity.amazonaws.com"] } },
    },
    {
      sid: "WriteFunctions",
      actions: [
        "lambda:AddPermission", "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:RemovePermission", "lambda:TagResource",
        "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
      ],
      resources: own.functions,
    },
    { sid: "WriteLogGroups", actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"], resources: own.logGroups },
    {
      sid: "WriteUserPools",
      actions: [
        "cognito-idp:CreateUserPoolClient", "cognito-idp:DeleteUserPool", "cognito-idp:DeleteUserPoolClient", "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient",
      ],
      resources: own.userPools,
    },
    {
      sid: "WriteIdentityPools",
      actions: ["cognito-identity:DeleteIdentityPool", "cognito-identity:UpdateIdentityPool"],
      resources: own.identityPools,
    },
    { sid: "WriteApis", actions: ["apigateway:DELETE", "apigateway:PATCH", "apigateway:POST"], resources: own.apis },
    // No resource-level permissions for these (Service Authorization Reference): creating pools, setting an identity
    // pool's roles (the roles it may pass are limited by PassRoles), log delivery.
    {
      sid: "PoolsWithoutResourceLevelPermissions",
      actions: ["cognito-idp:CreateUserPool", "cognito-identity:CreateIdentityPool", "cognito-identity:SetIdentityPoolRoles"],
      resources: ["*"],
    },
    {
      sid: "AccessLogDelivery",
      actions: LOG_DELIVERY_ACTIONS,
      resources: ["*"],
    },
    ...(scope.stageRoleArns?.length ? [{ sid: "AssumeStageRoles", actions: ["sts:AssumeRole"], resources: scope.stageRoleArns }] : []),
    // The CI roles match the app's name pattern: the deploy role must not rewrite them, its own policy included.
    {
      sid: "KeepCiRoles",
      effect: "Deny",
      actions: ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:PassRole", "iam:PutRolePolicy", "iam:TagRole"],
      resources: own.ciRoles,
    },
  ];
}

/** An IAM policy document of `statements`, as IAM and the policy simulator read it. */
export function policyDocument(statements: readonly PermissionStatement[]): { Version: "2012-10-17"; Statement: Array<Record<string, unknown>> } {
  return {
    Version: "2012-10-17",
    Statement: statements.map(({ sid, effect = "Allow", actions, resources, conditions }) => ({
      Sid: sid,
      Effect: effect,
      Action: [...actions],
      Resource: [...resources],
      ...(conditions && { Condition: conditions }),
    })),
  };
}
