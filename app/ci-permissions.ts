import { APP_NAME } from "./config";

/**
 * What the CI roles may do: the plan role reads every stage and takes the state lock; each environment's deploy role
 * (preview, dev, prod) reads, creates, updates and deletes its own stages only. Every action here was recorded at the local cloud while the real Terraform planned,
 * applied, updated and destroyed a stage (`npm run ci-roles` prints the calls and these policies), or is a call AWS
 * makes on the deployer's behalf ({@link IMPLIED_ACTIONS}). `__tests__/e2e/tools/ci-roles/ci-roles.test.ts` proves with an IAM
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
  /**
   * The stages the role may act on: a stage name, or an IAM pattern of names (`pr-*`). Names, state keys and the
   * `Stage` tag (the stage stacks' default tags) are matched against it. @default every stage, `*`
   */
  readonly stages?: string;
  /**
   * Roles of stages in other accounts this role may assume (exact ARNs): for a deploy role, its stages' deploy roles
   * there (`deployRoleArn`); for the plan role, their read-only plan roles, never a deploy role. @default none
   */
  readonly stageRoleArns?: readonly string[];
}

/**
 * The GitHub environments whose jobs deploy (`.github/workflows/infrastructure.yml`), each with a role of its own
 * that trusts only that environment's tokens. GitHub's environment settings decide which branches may use them:
 * dev and prod only main; preview is open to pull requests, so its role can touch preview stages only.
 */
export const CI_DEPLOY_ENVIRONMENTS = ["preview", "dev", "prod"] as const;

/** A value of {@link CI_DEPLOY_ENVIRONMENTS}. */
export type DeployEnvironment = (typeof CI_DEPLOY_ENVIRONMENTS)[number];

/** The stages each environment's role may deploy: a stage name or an IAM pattern of names ({@link PermissionScope.stages}). */
export const ENVIRONMENT_STAGES: Readonly<Record<DeployEnvironment, string>> = { preview: "pr-*", dev: "dev", prod: "prod" };

/** The environment whose role deploys `stage` ({@link ENVIRONMENT_STAGES}), or `undefined` when none does (a personal stage). */
export function environmentOf(stage: string): DeployEnvironment | undefined {
  return CI_DEPLOY_ENVIRONMENTS.find((environment) => new RegExp(`^${ENVIRONMENT_STAGES[environment].replace(/\*/g, ".*")}$`).test(stage));
}

/** What the plan role trusts: plans of pull requests, and of main (the nightly drift check). */
export const CI_PLAN_SUBJECTS = ["pull_request", "ref:refs/heads/main"] as const;

/** The names of the CI roles, one per job kind: kept out of the deploy roles' reach, so none can widen its own policy. */
export const CI_ROLE_NAMES = {
  plan: `${APP_NAME}-ci-plan`,
  preview: `${APP_NAME}-ci-preview`,
  dev: `${APP_NAME}-ci-dev`,
  prod: `${APP_NAME}-ci-prod`,
} as const satisfies Record<"plan" | DeployEnvironment, string>;

/** The name of the permissions boundary every role a pipeline creates must carry (a managed policy of the CI stack). */
export const CI_BOUNDARY_NAME = `${APP_NAME}-ci-boundary`;

/** The ARN of the permissions boundary in `accountId` (a token is fine): the one place it is made. */
export function boundaryPolicyArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:policy/${CI_BOUNDARY_NAME}`;
}

/** The tag the stage stacks put on everything (the AWS provider's `default_tags` in app/stacks/stage-stack.ts), and the roles' conditions read. */
export const STAGE_TAG = "Stage";

/** What API Gateway does as the caller to deliver a stage's access logs; none has resource-level permissions. */
export const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
  "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
] as const;

/**
 * What `npm run smoke` calls with a deploy role's credentials (tools/smoke/smoke-test.ts), recorded by the CI roles'
 * life (tools/ci-roles/smoke-run.ts); InitiateAuth, GetId and GetCredentialsForIdentity are public APIs, unsigned by IAM.
 */
export const SMOKE_ACTIONS = ["cognito-idp:AdminCreateUser", "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminDeleteUser"] as const;

/**
 * Calls of later updates, with the provider 5.100 call that makes each. Those marked `recorded:` are made by the
 * recorded life's tag and trust-policy updates (tools/ci-roles/terraform-calls.ts); the others it cannot make on moto
 * 5.2, which lacks the operation, so they are granted from the provider's source. The policy tests know them all.
 */
export const LATER_UPDATE_ACTIONS: Readonly<Record<string, string>> = {
  "iam:UntagRole": "recorded: aws_iam_role tags removed: roleUpdateTags → UntagRole (internal/service/iam/role.go)",
  "iam:UpdateAssumeRolePolicy": "recorded: aws_iam_role assume_role_policy changed: resourceRoleUpdate → UpdateAssumeRolePolicy",
  "iam:PutRolePermissionsBoundary": "aws_iam_role permissions_boundary set on an existing role (the first deploy with a boundary): resourceRoleUpdate → PutRolePermissionsBoundary; not recorded, every recorded role has its boundary from creation",
  "lambda:UntagResource": "recorded: aws_lambda_function tags removed: updateTags → UntagResource (internal/service/lambda/tags_gen.go)",
  "logs:UntagResource": "recorded: aws_cloudwatch_log_group tags removed: updateTags → UntagResource (internal/service/logs/tags_gen.go)",
  "cognito-idp:TagResource": "aws_cognito_user_pool tags changed: updateTags → TagResource (internal/service/cognitoidp/tags_gen.go); not recorded, moto 5.2 has no cognito-idp TagResource",
  "cognito-idp:UntagResource": "aws_cognito_user_pool tags removed: updateTags → UntagResource; not recorded, moto 5.2 has no cognito-idp UntagResource",
  "cognito-identity:TagResource": "aws_cognito_identity_pool tags changed: updateTags → TagResource (internal/service/cognitoidentity/tags_gen.go); not recorded, moto 5.2 has no cognito-identity TagResource",
  "cognito-identity:UntagResource": "aws_cognito_identity_pool tags removed: updateTags → UntagResource; not recorded, moto 5.2 has no cognito-identity UntagResource",
  "apigateway:POST /tags": "recorded: aws_apigatewayv2_api / _stage tags changed: updateTags → TagResource, POST /v2/tags/<arn> (internal/service/apigatewayv2/tags_gen.go); recorded on the API (moto 5.2 cannot tag a stage)",
  "apigateway:DELETE /tags": "recorded: aws_apigatewayv2_api / _stage tags removed: updateTags → UntagResource, DELETE /v2/tags/<arn>; recorded on the API",
};

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

/** The ARNs of what the stages of `scope` own, by kind, in every region of `scope`, and the tag conditions that pick their pools and APIs. */
function owned({ accountId, regions, stateBucket, stages = "*" }: PermissionScope) {
  const inRegions = (arn: (region: string) => string) => regions.map(arn);
  const name = `${APP_NAME}-${stages}${stages.endsWith("*") ? "" : "-*"}`;
  const every = stages === "*";
  return {
    roles: [`arn:aws:iam::${accountId}:role/${name}`],
    functions: inRegions((r) => `arn:aws:lambda:${r}:${accountId}:function:${name}`),
    logGroups: inRegions((r) => `arn:aws:logs:${r}:${accountId}:log-group:/aws/lambda/${name}`).concat(
      inRegions((r) => `arn:aws:logs:${r}:${accountId}:log-group:/aws/vendedlogs/apigateway/${name}`),
    ),
    // Pools and APIs are named by ids AWS picks: their ARNs name an account and region only, so the Stage tag picks them.
    userPools: inRegions((r) => `arn:aws:cognito-idp:${r}:${accountId}:userpool/*`),
    identityPools: inRegions((r) => `arn:aws:cognito-identity:${r}:${accountId}:identitypool/*`),
    apiCollection: inRegions((r) => `arn:aws:apigateway:${r}::/apis`),
    apis: inRegions((r) => `arn:aws:apigateway:${r}::/apis/*`),
    apiTags: inRegions((r) => `arn:aws:apigateway:${r}::/tags/*`),
    stateBucket: [`arn:aws:s3:::${stateBucket}`],
    states: [`arn:aws:s3:::${stateBucket}/${APP_NAME}/${every ? "*" : `${stages}${stages.endsWith("*") ? "" : "/*"}`}`],
    locks: [`arn:aws:s3:::${stateBucket}/${APP_NAME}/${every ? "" : `${stages}${stages.endsWith("*") ? "" : "/"}`}*.tflock`],
    ciRoles: Object.values(CI_ROLE_NAMES).map((role) => `arn:aws:iam::${accountId}:role/${role}`),
    boundary: boundaryPolicyArn(accountId),
    /** On an existing pool or API: it is one of these stages'. None for every stage. */
    tagged: every ? undefined : { StringLike: { [`aws:ResourceTag/${STAGE_TAG}`]: [stages] } },
    /** On creating one: it is tagged as one of these stages'. */
    tagging: every ? undefined : { StringLike: { [`aws:RequestTag/${STAGE_TAG}`]: [stages] } },
  };
}

/** The reads of a plan, of the stages of `own`; pools and APIs by their Stage tag when the stages are limited. */
function readStatements(own: ReturnType<typeof owned>): PermissionStatement[] {
  const tagged = own.tagged && { conditions: own.tagged };
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
    { sid: "ReadUserPools", actions: ["cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:GetUserPoolMfaConfig"], resources: own.userPools, ...tagged },
    { sid: "ReadIdentityPools", actions: ["cognito-identity:DescribeIdentityPool", "cognito-identity:GetIdentityPoolRoles"], resources: own.identityPools, ...tagged },
    // API Gateway V2 authorizes a route's, integration's or stage's request on the tags of its API.
    { sid: "ReadApis", actions: ["apigateway:GET"], resources: own.apis, ...tagged },
    // DescribeLogGroups has no resource-level permissions (Service Authorization Reference, CloudWatch Logs).
    { sid: "ListLogGroups", actions: ["logs:DescribeLogGroups"], resources: ["*"] },
  ];
}

/**
 * The plan role: read every resource of every stage, read the state, and write and delete only the state's lock
 * file (`use_lockfile`: a plan takes the lock, so a read-only role could not plan).
 */
export function planStatements(scope: PermissionScope): PermissionStatement[] {
  return [
    ...readStatements(owned({ ...scope, stages: undefined })),
    // Stages in other accounts are planned through their read-only roles there (app/stacks/stage-account-roles-stack.ts).
    ...(scope.stageRoleArns?.length ? [{ sid: "AssumeStagePlanRoles", actions: ["sts:AssumeRole"], resources: scope.stageRoleArns }] : []),
  ];
}

/** The statements on the state bucket: a stage in another account keeps its state in the CI account's bucket. */
const STATE_SIDS: readonly string[] = ["StateList", "StateRead", "StateLock", "StateWrite"];

/** Where a stage in another account acts: its account and region, its name, and the account stack's own roles there. */
export type StageAccountScope = Pick<PermissionScope, "accountId" | "regions"> & {
  readonly stage: string;
  /** ARNs of the plan and deploy roles there: they match the stage's name pattern, and no pipeline may rewrite them. */
  readonly accountRoles: readonly string[];
};

/**
 * The read-only role of a stage in another account, there: the reads of a plan ({@link planStatements}) without the
 * state, which the CI plan role reads in the CI account's bucket with its own credentials, and without assuming roles.
 */
export function stageAccountPlanStatements({ accountId, regions }: StageAccountScope): PermissionStatement[] {
  return planStatements({ accountId, regions, stateBucket: "-" }).filter((st) => !STATE_SIDS.includes(st.sid));
}

/**
 * The deploy role of a stage in another account, there: its environment's deploy statements for that stage
 * ({@link deployStatements}, the permissions boundary included), without the state and without assuming roles.
 */
export function stageAccountDeployStatements({ accountId, regions, stage, accountRoles }: StageAccountScope): PermissionStatement[] {
  return [
    ...deployStatements({ accountId, regions, stateBucket: "-", stages: stage }).filter((st) => !STATE_SIDS.includes(st.sid)),
    // `<app>-<stage>-plan` and `-deploy` are names of the stage's pattern: the deploy role may not widen their trust or policies.
    {
      sid: "KeepAccountRoles",
      effect: "Deny",
      actions: ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:PassRole", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy"],
      resources: accountRoles,
    },
  ];
}

/**
 * What a role a pipeline creates may ever do at most (the permissions boundary): the union of what the stages'
 * Lambda roles (write their logs) and identity-pool roles (invoke the stages' APIs) need. Nothing of IAM.
 */
export function boundaryStatements({ accountId, regions }: PermissionScope): PermissionStatement[] {
  return [
    {
      sid: "FunctionLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: regions.map((r) => `arn:aws:logs:${r}:${accountId}:log-group:/aws/lambda/${APP_NAME}-*:*`),
    },
    // API ids are AWS's: the account and regions are all a boundary shared by the stages can name.
    { sid: "InvokeApis", actions: ["execute-api:Invoke"], resources: regions.map((r) => `arn:aws:execute-api:${r}:${accountId}:*`) },
  ];
}

/**
 * A deploy role for the stages of `scope.stages` (one environment's): its stages' reads, and creating, updating and
 * deleting what those stages own, their state included, and the smoke test's calls on their user pools. Roles it
 * creates or gives a policy must carry the permissions boundary ({@link boundaryPolicyArn}).
 */
export function deployStatements(scope: PermissionScope): PermissionStatement[] {
  const own = owned(scope);
  const tagged = own.tagged && { conditions: own.tagged };
  const tagging = own.tagging && { conditions: own.tagging };
  const bounded = { StringEquals: { "iam:PermissionsBoundary": [own.boundary] } };
  return [
    ...readStatements(own),
    { sid: "StateWrite", actions: ["s3:PutObject", "s3:DeleteObject"], resources: own.states },
    {
      sid: "WriteRoles",
      actions: ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:ListInstanceProfilesForRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy"],
      resources: own.roles,
    },
    // A role may be created, given a policy or a boundary only with the boundary: no pipeline can mint a broader role.
    { sid: "BoundedRoles", actions: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"], resources: own.roles, conditions: bounded },
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
        "lambda:UntagResource", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
      ],
      resources: own.functions,
    },
    {
      sid: "WriteLogGroups",
      actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource"],
      resources: own.logGroups,
    },
    {
      sid: "WriteUserPools",
      actions: [
        "cognito-idp:CreateUserPoolClient", "cognito-idp:DeleteUserPool", "cognito-idp:DeleteUserPoolClient", "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:TagResource", "cognito-idp:UntagResource", "cognito-idp:UpdateUserPool", "cognito-idp:UpdateUserPoolClient",
      ],
      resources: own.userPools,
      ...tagged,
    },
    // The smoke test after each deploy: a throwaway user in the stage's own pool (by its tag: the id is not known in advance).
    { sid: "SmokeTest", actions: SMOKE_ACTIONS, resources: own.userPools, ...tagged },
    {
      sid: "WriteIdentityPools",
      actions: ["cognito-identity:DeleteIdentityPool", "cognito-identity:TagResource", "cognito-identity:UntagResource", "cognito-identity:UpdateIdentityPool"],
      resources: own.identityPools,
      ...tagged,
    },
    // Creating pools has no resource-level permissions; the tags of the request say whose stage the new pool is.
    { sid: "CreatePools", actions: ["cognito-idp:CreateUserPool", "cognito-identity:CreateIdentityPool"], resources: ["*"], ...tagging },
    // SetIdentityPoolRoles has no resource-level permissions and no condition keys: it cannot be scoped to a stage's
    // pool. The roles it may set are the role's own stages' (PassRoles), whose trust admits only their own pool.
    { sid: "SetIdentityPoolRoles", actions: ["cognito-identity:SetIdentityPoolRoles"], resources: ["*"] },
    { sid: "CreateApis", actions: ["apigateway:POST"], resources: own.apiCollection, ...tagging },
    { sid: "WriteApis", actions: ["apigateway:DELETE", "apigateway:PATCH", "apigateway:POST"], resources: own.apis, ...tagged },
    // API Gateway's tagging resource (`/tags/<arn>`) has no aws:ResourceTag: any API's tags could be changed, so the
    // Stage tag may not be (KeepStageTags), and another stage's API cannot be made to look like this role's.
    { sid: "TagApis", actions: ["apigateway:DELETE", "apigateway:POST"], resources: own.apiTags },
    { sid: "AccessLogDelivery", actions: LOG_DELIVERY_ACTIONS, resources: ["*"] },
    ...(scope.stageRoleArns?.length ? [{ sid: "AssumeStageRoles", actions: ["sts:AssumeRole"], resources: scope.stageRoleArns }] : []),
    {
      sid: "KeepStageTags",
      effect: "Deny",
      actions: ["apigateway:DELETE", "apigateway:POST"],
      resources: own.apiTags,
      conditions: { "ForAnyValue:StringEquals": { "aws:TagKeys": [STAGE_TAG] } },
    },
    {
      sid: "RequireBoundary",
      effect: "Deny",
      actions: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
      resources: ["*"],
      conditions: { StringNotEquals: { "iam:PermissionsBoundary": [own.boundary] } },
    },
    { sid: "KeepBoundary", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"] },
    // The CI roles may match a stage's name pattern: no deploy role may rewrite them, its own policy included.
    {
      sid: "KeepCiRoles",
      effect: "Deny",
      actions: ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:PassRole", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy"],
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
