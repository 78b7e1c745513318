import { PolicyDocumentStatement } from "../../tools/terraform/iam-policy";
import { documentStatements, referencedStatements, roleId } from "../../tools/terraform/synthesized-policies";
import {
  block,
  Body,
  has,
  isObject,
  list,
  nonEmpty,
  policyDocuments,
  resourceEntries,
  Statement,
  statementsIn,
  statementsOf,
  Synthesized,
} from "./synthesized";

/**
 * The table of scanner rules: every checkov, trivy and KICS rule that SECURITY.md marks `pass`, re-implemented as
 * the rule's own source decides pass or fail (see the research cited in SECURITY.md), with the stacks it applies to
 * and a way to break a copy of a stack so that the rule must fail. checkov, trivy and KICS cannot be installed
 * here; __tests__/scanner-rules.test.ts runs these rules and __tests__/security-table.test.ts holds SECURITY.md's
 * table to them. Where a scanner cannot read our `${data.aws_iam_policy_document.X.json}` references (and would
 * pass without looking), the checks resolve them to the statements and apply the rule to those.
 */

/** The stacks of the app, by key: the two stages and the state bucket's stack. */
export type StackKey = "dev" | "prod" | "state";
/** Every stack. */
export const ALL_STACKS: readonly StackKey[] = ["dev", "prod", "state"];
/** The stage stacks. */
export const STAGES: readonly StackKey[] = ["dev", "prod"];

/** A rule's verdict on one stack: what it looked at, and one line per failing resource. */
export interface Verdict {
  readonly checked: string[];
  readonly failures: string[];
}

const strings = (value: unknown): string[] => list(value).map(String);
const isDeny = (statement: Statement) => statement.Effect === "Deny";

/** The `AWS` principals of a statement; `Principal: "*"` (or a `*` principal type) counts as `["*"]`. */
function awsPrincipals(statement: Statement): string[] {
  const principal = statement.Principal;
  if (principal === "*") return ["*"];
  if (!isObject(principal)) return [];
  return [...strings(principal.AWS), ...(principal["*"] !== undefined ? ["*"] : [])];
}

/** Whether an IAM action pattern (with `*` and `?`) covers `action`, case-insensitively, as IAM matches them. */
function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(action);
}

/** Checks each resource of `type`: `fail` returns why it fails, or nothing when it passes (or the rule skips it). */
function eachResource(doc: Synthesized, type: string, fail: (body: Body, address: string) => string | undefined): Verdict {
  const checked: string[] = [];
  const failures: string[] = [];
  for (const [address, body] of resourceEntries(doc, type)) {
    checked.push(address);
    const why = fail(body, address);
    if (why) failures.push(`${address}: ${why}`);
  }
  return { checked, failures };
}

/** Checks each item, e.g. each policy statement, with the same contract as {@link eachResource}. */
function eachItem<T>(items: Array<[string, T]>, fail: (item: T) => string | undefined): Verdict {
  const failures = items.flatMap(([address, item]) => {
    const why = fail(item);
    return why ? [`${address}: ${why}`] : [];
  });
  return { checked: [...new Set(items.map(([address]) => address))], failures };
}

/** The companion resources of `type` that reference `bucketAddress` in their `bucket` (graph checks' "connection"). */
function connected(doc: Synthesized, type: string, bucketAddress: string): Body[] {
  return resourceEntries(doc, type)
    .filter(([, body]) => String(body.bucket).startsWith(`\${${bucketAddress}.`))
    .map(([, body]) => body);
}

/** Checks each bucket with the companion resources of `type` that reference it. */
function eachBucket(doc: Synthesized, type: string, fail: (bucket: Body, companions: Body[]) => string | undefined): Verdict {
  return eachResource(doc, "aws_s3_bucket", (bucket, address) => fail(bucket, connected(doc, type, address)));
}

/** The `apply_server_side_encryption_by_default.sse_algorithm` of each rule of a bucket's encryption, inline or companion. */
function sseAlgorithms(bucket: Body, companions: Body[]): string[] {
  const inline = block(bucket, "server_side_encryption_configuration");
  return [...(inline ? [inline] : []), ...companions]
    .flatMap((config) => list(config.rule))
    .map((rule) => String(block(rule as Body, "apply_server_side_encryption_by_default")?.sse_algorithm));
}

// ---------------------------------------------------------------------------------------------------------------
// The rules. `check` is the rule's pass condition; `breaks` changes a copy of the stack so that the rule must fail.

/** One scanner rule: `check` is its pass condition, `breaks` makes it fail. */
export interface Rule {
  readonly id: string;
  readonly scanner: "checkov" | "trivy" | "KICS";
  readonly title: string;
  readonly stacks: readonly StackKey[];
  readonly check: (doc: Synthesized) => Verdict;
  readonly breaks: { readonly how: string; readonly mutate: (doc: Synthesized) => void };
}

/** The body of the first resource of `type`, to break in a copy of a stack. */
function first(doc: Synthesized, type: string): Body {
  const found = resourceEntries(doc, type)[0];
  if (!found) throw new Error(`no ${type} to break`);
  return found[1];
}

/** The statements of the policy document a policy attribute of the first resource of `type` references. */
function documentOf(doc: Synthesized, type: string, attribute: string): PolicyDocumentStatement[] {
  const statements = referencedStatements(doc, first(doc, type)[attribute]);
  if (!statements) throw new Error(`the first ${type} has no policy document to break`);
  return statements;
}

/** The statements of the first policy document of the stack. */
function firstDocument(doc: Synthesized): PolicyDocumentStatement[] {
  const found = Object.values(doc.data?.aws_iam_policy_document ?? {})[0];
  if (!found) throw new Error("no policy document to break");
  return documentStatements(found);
}

const LAMBDA_SERVICE_PRINCIPAL = /^[^.]+\.amazonaws\.com$/;

/** checkov's CKV_AWS_363 forbidden runtimes (DeprecatedLambdaRuntime.py). */
const DEPRECATED_RUNTIMES = [
  "dotnetcore3.1", "nodejs12.x", "python3.6", "python2.7", "dotnet5.0", "dotnetcore2.1", "ruby2.5", "nodejs10.x", "nodejs8.10",
  "nodejs4.3", "nodejs6.10", "dotnetcore1.0", "dotnetcore2.0", "nodejs4.3-edge", "nodejs", "java8", "python3.7", "go1.x",
  "provided", "ruby2.7", "nodejs14.x", "nodejs16.x", "python3.8", "dotnet7", "dotnet6",
];

/** KICS's list of privilege-escalation actions (assets/libraries/common.json, aws_privilege_escalation_actions). */
const KICS_PRIVILEGE_ESCALATION_ACTIONS = [
  "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
  "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
  "iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy", "iam:PassRole", "iam:CreateServiceLinkedRole", "sts:AssumeRole", "iam:*", "sts:*",
];

/** Retention periods KICS's cloudwatch_without_retention_period_specified accepts (fewer than CloudWatch does). */
const KICS_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653];

/** Canned ACLs that expose a bucket (checkov CKV_AWS_20's forbidden values; trivy's public-exposure ACLs). */
const PUBLIC_ACLS = ["public-read", "public-read-write", "website", "authenticated-read"];

/** An AWS access key id or a 40-character secret access key, as secret scanners look for them. */
const AWS_SECRET = [/(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}(?![A-Z0-9])/, /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/];

/** The public access block flag `flag` of the first block, for the four checkov and trivy flag rules. */
function publicAccessFlagRules(flag: string, checkovId: string, trivyId: string, title: string): Rule[] {
  return [
    {
      id: checkovId,
      scanner: "checkov",
      title: `public access block: ${flag}`,
      stacks: ["state"],
      check: (doc) => eachResource(doc, "aws_s3_bucket_public_access_block", (pab) => (pab[flag] === true ? undefined : `${flag} is ${String(pab[flag])}`)),
      breaks: { how: `${flag} is false`, mutate: (doc) => (first(doc, "aws_s3_bucket_public_access_block")[flag] = false) },
    },
    {
      id: trivyId,
      scanner: "trivy",
      title,
      stacks: ["state"],
      check: (doc) =>
        eachBucket(doc, "aws_s3_bucket_public_access_block", (_bucket, blocks) =>
          blocks.some((pab) => pab[flag] === true) ? undefined : `no public access block with ${flag} = true`,
        ),
      breaks: { how: `${flag} is missing`, mutate: (doc) => delete first(doc, "aws_s3_bucket_public_access_block")[flag] },
    },
  ];
}

/** Every rule SECURITY.md marks `pass`. */
export const RULES: readonly Rule[] = [
  // --- API Gateway HTTP API -----------------------------------------------------------------------------------
  {
    id: "CKV_AWS_76",
    scanner: "checkov",
    title: "API stage access logs",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_apigatewayv2_stage", (stage) => (has(block(stage, "access_log_settings"), "destination_arn") ? undefined : "no access_log_settings.destination_arn")),
    breaks: { how: "the stage has no access_log_settings", mutate: (doc) => delete first(doc, "aws_apigatewayv2_stage").access_log_settings },
  },
  {
    id: "AWS-0001",
    scanner: "trivy",
    title: "API stage access logs",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_apigatewayv2_stage", (stage) =>
        nonEmpty(block(stage, "access_log_settings")?.destination_arn) ? undefined : "access_log_settings.destination_arn is empty",
      ),
    breaks: { how: "destination_arn is empty", mutate: (doc) => ((block(first(doc, "aws_apigatewayv2_stage"), "access_log_settings") as Body).destination_arn = "") },
  },
  {
    id: "api_gateway_v2_stage_access_logging_settings_not_defined",
    scanner: "KICS",
    title: "API stage access log settings defined",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_apigatewayv2_stage", (stage) => (stage.access_log_settings ? undefined : "access_log_settings is not defined")),
    breaks: { how: "the stage has no access_log_settings", mutate: (doc) => delete first(doc, "aws_apigatewayv2_stage").access_log_settings },
  },
  {
    id: "CKV_AWS_396",
    scanner: "checkov",
    title: "private (VPC_LINK) integrations verify TLS",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_apigatewayv2_integration", (integration) =>
        integration.connection_type !== "VPC_LINK" || nonEmpty(block(integration, "tls_config")?.server_name_to_verify)
          ? undefined
          : "VPC_LINK integration without tls_config.server_name_to_verify",
      ),
    breaks: { how: "an integration uses a VPC link without tls_config", mutate: (doc) => (first(doc, "aws_apigatewayv2_integration").connection_type = "VPC_LINK") },
  },

  // --- Lambda functions ---------------------------------------------------------------------------------------
  {
    id: "CKV_AWS_173",
    scanner: "checkov",
    title: "function environment variables encrypted with a KMS key",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_lambda_function", (fn) => {
        const variables = block(fn, "environment")?.variables;
        const hasVariables = isObject(variables) && Object.keys(variables).length > 0;
        if (hasVariables) return nonEmpty(fn.kms_key_arn) ? undefined : "environment variables without kms_key_arn";
        // Without environment variables checkov reports UNKNOWN, unless a kms_key_arn is set anyway (plan drift).
        return nonEmpty(fn.kms_key_arn) ? "kms_key_arn without environment variables" : undefined;
      }),
    breaks: { how: "a function has environment variables and no kms_key_arn", mutate: (doc) => (first(doc, "aws_lambda_function").environment = { variables: { STAGE: "dev" } }) },
  },
  {
    id: "CKV_AWS_45",
    scanner: "checkov",
    title: "no AWS keys in function environment variables",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_lambda_function", (fn) => {
        const variables = block(fn, "environment")?.variables;
        const values = isObject(variables) ? Object.values(variables).filter((value): value is string => typeof value === "string") : [];
        return values.some((value) => AWS_SECRET.some((pattern) => pattern.test(value))) ? "an environment variable holds an AWS key" : undefined;
      }),
    breaks: {
      how: "a function has an access key id in its environment",
      mutate: (doc) => (first(doc, "aws_lambda_function").environment = { variables: { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE" } }),
    },
  },
  {
    id: "CKV_AWS_363",
    scanner: "checkov",
    title: "function runtime not deprecated",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_lambda_function", (fn) => (DEPRECATED_RUNTIMES.includes(String(fn.runtime)) ? `runtime ${String(fn.runtime)} is deprecated` : undefined)),
    breaks: { how: "a function runs nodejs16.x", mutate: (doc) => (first(doc, "aws_lambda_function").runtime = "nodejs16.x") },
  },
  {
    id: "lambda_function_with_privileged_role",
    scanner: "KICS",
    title: "function roles allow no privilege-escalation action",
    stacks: STAGES,
    check: (doc) => {
      const functionRoles = new Set(resourceEntries(doc, "aws_lambda_function").map(([, fn]) => roleId(fn.role, ["arn"])));
      const inline = resourceEntries(doc, "aws_iam_role_policy").filter(([, policy]) => functionRoles.has(roleId(policy.role, ["id", "name"])));
      if (functionRoles.size === 0 || inline.length === 0) return { checked: [], failures: [] };
      return eachItem(
        statementsIn(doc, inline, "policy"),
        (statement) => {
          if (statement.Effect !== "Allow") return undefined;
          const privileged = KICS_PRIVILEGE_ESCALATION_ACTIONS.filter((action) => strings(statement.Action).some((pattern) => actionCovers(pattern, action)));
          return privileged.length > 0 ? `allows ${privileged.join(", ")}` : undefined;
        },
      );
    },
    breaks: {
      how: "a function's log policy also allows iam:PassRole",
      mutate: (doc) => {
        const logPolicy = resourceEntries(doc, "aws_iam_role_policy").find(([, body]) => String(body.name).startsWith("write-logs-"));
        if (!logPolicy) throw new Error("no function log policy to break");
        referencedStatements(doc, logPolicy[1].policy)![0].actions?.push("iam:PassRole");
      },
    },
  },

  // --- Lambda permissions -------------------------------------------------------------------------------------
  {
    id: "CKV_AWS_301",
    scanner: "checkov",
    title: "function not public",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_lambda_permission", (permission) => (permission.principal === "*" ? "principal is *" : undefined)),
    breaks: { how: "a permission's principal is *", mutate: (doc) => (first(doc, "aws_lambda_permission").principal = "*") },
  },
  {
    id: "CKV_AWS_364",
    scanner: "checkov",
    title: "service permissions limited by source ARN or account",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_lambda_permission", (permission) =>
        LAMBDA_SERVICE_PRINCIPAL.test(String(permission.principal)) && !has(permission, "source_arn") && !has(permission, "source_account")
          ? `${String(permission.principal)} without source_arn or source_account`
          : undefined,
      ),
    breaks: { how: "a permission has no source_arn", mutate: (doc) => delete first(doc, "aws_lambda_permission").source_arn },
  },
  {
    id: "AWS-0067",
    scanner: "trivy",
    title: "service permissions name a source ARN",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_lambda_permission", (permission) =>
        String(permission.principal).endsWith(".amazonaws.com") && !nonEmpty(permission.source_arn) ? `${String(permission.principal)} without source_arn` : undefined,
      ),
    breaks: {
      how: "a permission names only a source account",
      mutate: (doc) => {
        const permission = first(doc, "aws_lambda_permission");
        delete permission.source_arn;
        permission.source_account = "111122223333";
      },
    },
  },
  {
    id: "public_lambda_via_api_gateway",
    scanner: "KICS",
    title: "API Gateway may invoke a function only from named routes, not /*/*",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_lambda_permission", (permission) =>
        String(permission.function_name).includes("aws_lambda_function.") &&
        permission.action === "lambda:InvokeFunction" &&
        ["*", "apigateway.amazonaws.com"].includes(String(permission.principal)) &&
        /\/\*\/\*$/.test(String(permission.source_arn))
          ? `source_arn ${String(permission.source_arn)} ends in /*/*`
          : undefined,
      ),
    breaks: {
      how: "a permission's source_arn ends in /*/*",
      mutate: (doc) => {
        const permission = first(doc, "aws_lambda_permission");
        permission.source_arn = String(permission.source_arn).replace(/\/[^}]*$/, "/*/*");
      },
    },
  },
  {
    id: "lambda_permission_principal_is_wildcard",
    scanner: "KICS",
    title: "permission principal has no wildcard",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_lambda_permission", (permission) => (String(permission.principal).includes("*") ? "principal contains *" : undefined)),
    breaks: { how: "a permission's principal is *.amazonaws.com", mutate: (doc) => (first(doc, "aws_lambda_permission").principal = "*.amazonaws.com") },
  },
  {
    id: "lambda_permission_misconfigured",
    scanner: "KICS",
    title: "permission action is lambda:InvokeFunction",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_lambda_permission", (permission) => (permission.action === "lambda:InvokeFunction" ? undefined : `action is ${String(permission.action)}`)),
    breaks: { how: "a permission's action is lambda:GetFunction", mutate: (doc) => (first(doc, "aws_lambda_permission").action = "lambda:GetFunction") },
  },
  {
    id: "lambda_with_vulnerable_policy",
    scanner: "KICS",
    title: "permission action is not lambda:*",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_lambda_permission", (permission) => (permission.action === "lambda:*" ? "action is lambda:*" : undefined)),
    breaks: { how: "a permission's action is lambda:*", mutate: (doc) => (first(doc, "aws_lambda_permission").action = "lambda:*") },
  },

  // --- Cognito ------------------------------------------------------------------------------------------------
  {
    id: "CKV_AWS_366",
    scanner: "checkov",
    title: "identity pool without guest access",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_cognito_identity_pool", (pool) =>
        pool.allow_unauthenticated_identities === false ? undefined : `allow_unauthenticated_identities is ${String(pool.allow_unauthenticated_identities)}`,
      ),
    // checkov fails a missing attribute even though the provider's default is false.
    breaks: { how: "allow_unauthenticated_identities is left to the provider default", mutate: (doc) => delete first(doc, "aws_cognito_identity_pool").allow_unauthenticated_identities },
  },
  {
    id: "cognito_userpool_without_mfa",
    scanner: "KICS",
    title: "user pool MFA ON or OPTIONAL with a second factor configured",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_cognito_user_pool", (pool) => {
        if (!["ON", "OPTIONAL"].includes(String(pool.mfa_configuration))) return `mfa_configuration is ${String(pool.mfa_configuration)}`;
        return pool.sms_configuration || pool.software_token_mfa_configuration ? undefined : "no sms_configuration or software_token_mfa_configuration";
      }),
    breaks: { how: "the pool has no software_token_mfa_configuration", mutate: (doc) => delete first(doc, "aws_cognito_user_pool").software_token_mfa_configuration },
  },

  // --- CloudWatch log groups ----------------------------------------------------------------------------------
  {
    id: "CKV_AWS_66",
    scanner: "checkov",
    title: "log groups have a retention period",
    stacks: STAGES,
    check: (doc) => eachResource(doc, "aws_cloudwatch_log_group", (group) => (has(group, "retention_in_days") ? undefined : "no retention_in_days")),
    breaks: { how: "a log group has no retention_in_days", mutate: (doc) => delete first(doc, "aws_cloudwatch_log_group").retention_in_days },
  },
  {
    id: "CKV_AWS_338",
    scanner: "checkov",
    title: "log groups keep logs at least a year",
    stacks: ["prod"],
    check: (doc) =>
      eachResource(doc, "aws_cloudwatch_log_group", (group) => {
        const days = group.retention_in_days;
        return Number.isInteger(days) && ((days as number) >= 365 || days === 0) ? undefined : `retention_in_days is ${String(days)}`;
      }),
    breaks: { how: "a log group keeps 180 days", mutate: (doc) => (first(doc, "aws_cloudwatch_log_group").retention_in_days = 180) },
  },
  {
    id: "cloudwatch_without_retention_period_specified",
    scanner: "KICS",
    title: "log groups have a retention period KICS knows",
    stacks: STAGES,
    check: (doc) =>
      eachResource(doc, "aws_cloudwatch_log_group", (group) =>
        group.retention_in_days && KICS_RETENTION_DAYS.includes(group.retention_in_days as number) ? undefined : `retention_in_days ${String(group.retention_in_days)}`,
      ),
    // 1096 days is valid for CloudWatch (and for our LOG_RETENTION_DAYS) but not in KICS's list.
    breaks: { how: "a log group keeps 1096 days", mutate: (doc) => (first(doc, "aws_cloudwatch_log_group").retention_in_days = 1096) },
  },

  // --- IAM roles and their inline policies ---------------------------------------------------------------------
  {
    id: "CKV_AWS_60",
    scanner: "checkov",
    title: "roles not assumable by any AWS principal",
    stacks: STAGES,
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role", "assume_role_policy"), (statement) =>
        !isDeny(statement) && awsPrincipals(statement).includes("*") ? "trust policy allows Principal AWS *" : undefined,
      ),
    breaks: {
      how: "a trust policy lets AWS * assume the role",
      mutate: (doc) =>
        documentOf(doc, "aws_iam_role", "assume_role_policy").push({ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "AWS", identifiers: ["*"] }] }),
    },
  },
  {
    id: "CKV_AWS_61",
    scanner: "checkov",
    title: "roles not assumable by a whole account",
    stacks: STAGES,
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role", "assume_role_policy"), (statement) => {
        if (isDeny(statement)) return undefined;
        const account = awsPrincipals(statement).find((principal) => /^\d{12}$/.test(principal) || /^arn:aws:iam::\d{12}:root$/.test(principal));
        if (!account) return undefined;
        const externalId = JSON.stringify(statement.Condition ?? {}).includes("sts:ExternalId");
        return strings(statement.Action).includes("sts:AssumeRole") && externalId ? undefined : `trust policy allows account ${account}`;
      }),
    breaks: {
      how: "a trust policy lets an account's root assume the role",
      mutate: (doc) =>
        documentOf(doc, "aws_iam_role", "assume_role_policy").push({
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }],
        }),
    },
  },
  {
    id: "CKV_AWS_62",
    scanner: "checkov",
    title: "inline policies grant no full admin (* on *)",
    stacks: STAGES,
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role_policy", "policy"), (statement) =>
        statement.Effect === "Allow" && strings(statement.Action).includes("*") && strings(statement.Resource).includes("*") ? "allows * on *" : undefined,
      ),
    breaks: { how: "an inline policy allows * on *", mutate: (doc) => documentOf(doc, "aws_iam_role_policy", "policy").push({ effect: "Allow", actions: ["*"], resources: ["*"] }) },
  },
  {
    id: "CKV_AWS_63",
    scanner: "checkov",
    title: "inline policies allow no * action",
    stacks: STAGES,
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role_policy", "policy"), (statement) =>
        statement.Effect === "Allow" && strings(statement.Action).includes("*") ? "allows action *" : undefined,
      ),
    breaks: {
      how: "an inline policy allows action * on one log group",
      mutate: (doc) => documentOf(doc, "aws_iam_role_policy", "policy").push({ effect: "Allow", actions: ["*"], resources: ["arn:aws:logs:us-east-1:111122223333:log-group:x"] }),
    },
  },
  {
    id: "CKV_AWS_355",
    scanner: "checkov",
    title: "inline policies allow no action on Resource *",
    stacks: STAGES,
    // The stricter, older form of the rule: any Allow on "*" fails, not only restrictable actions.
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role_policy", "policy"), (statement) =>
        statement.Effect === "Allow" && strings(statement.Resource).includes("*") ? `allows ${strings(statement.Action).join(", ")} on *` : undefined,
      ),
    breaks: {
      how: "an inline policy allows execute-api:Invoke on *",
      mutate: (doc) => documentOf(doc, "aws_iam_role_policy", "policy").push({ effect: "Allow", actions: ["execute-api:Invoke"], resources: ["*"] }),
    },
  },
  {
    id: "lambda_iam_invokefunction_misconfigured",
    scanner: "KICS",
    title: "grants of lambda:InvokeFunction name the function and its versions",
    stacks: STAGES,
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_iam_role_policy", "policy"), (statement) => {
        const invokes = strings(statement.Action).some((action) => action === "*" || actionCovers(action, "lambda:InvokeFunction"));
        if (statement.Effect !== "Allow" || !invokes) return undefined;
        const arns = strings(statement.Resource);
        const unqualified = arns.filter((arn) => !arn.endsWith(":*"));
        return unqualified.every((arn) => arns.includes(`${arn}:*`)) ? undefined : "lambda:InvokeFunction on a function ARN without its :* versions";
      }),
    breaks: {
      how: "an inline policy allows lambda:InvokeFunction on one unqualified function ARN",
      mutate: (doc) =>
        documentOf(doc, "aws_iam_role_policy", "policy").push({
          effect: "Allow",
          actions: ["lambda:InvokeFunction"],
          resources: ["arn:aws:lambda:us-east-1:111122223333:function:other"],
        }),
    },
  },

  // --- aws_iam_policy_document data sources (every stack has some) ---------------------------------------------
  {
    id: "CKV_AWS_1",
    scanner: "checkov",
    title: "policy documents grant no full admin in their first statement",
    stacks: ALL_STACKS,
    check: (doc) =>
      eachItem(policyDocuments(doc), (statements) => {
        const [head] = statements;
        const only = (value: string[] | undefined) => value?.length === 1 && value[0] === "*";
        return head && only(head.actions) && only(head.resources) ? "first statement allows * on *" : undefined;
      }),
    breaks: {
      how: "a document's first statement allows * on *",
      mutate: (doc) => firstDocument(doc).unshift({ effect: "Allow", actions: ["*"], resources: ["*"] }),
    },
  },
  {
    id: "CKV_AWS_49",
    scanner: "checkov",
    title: "policy documents allow no * action",
    stacks: ALL_STACKS,
    check: (doc) =>
      eachItem(policyDocuments(doc), (statements) =>
        statements.some((statement) => statement.effect !== "Deny" && (statement.actions ?? []).includes("*")) ? "a statement allows action *" : undefined,
      ),
    breaks: {
      how: "a document allows action * on one ARN",
      mutate: (doc) => firstDocument(doc).push({ effect: "Allow", actions: ["*"], resources: ["arn:aws:s3:::example"] }),
    },
  },
  {
    id: "CKV_AWS_356",
    scanner: "checkov",
    title: "policy documents allow no action on Resource *",
    stacks: ALL_STACKS,
    // The stricter, older form again: any Allow on "*" fails.
    check: (doc) =>
      eachItem(policyDocuments(doc), (statements) =>
        statements.some((statement) => statement.effect !== "Deny" && (statement.resources ?? []).includes("*")) ? "a statement allows an action on *" : undefined,
      ),
    breaks: {
      how: "a document allows logs:PutLogEvents on *",
      mutate: (doc) => firstDocument(doc).push({ effect: "Allow", actions: ["logs:PutLogEvents"], resources: ["*"] }),
    },
  },
  {
    id: "CKV_AWS_283",
    scanner: "checkov",
    title: "policy documents give nothing to AWS * without a condition",
    stacks: ALL_STACKS,
    check: (doc) =>
      eachItem(policyDocuments(doc), (statements) =>
        statements.some(
          (statement) =>
            !statement.condition?.length &&
            statement.effect !== "Deny" &&
            (statement.principals ?? []).some((principal) => principal.type === "AWS" && principal.identifiers.includes("*")),
        )
          ? "an unconditional statement for AWS *"
          : undefined,
      ),
    breaks: {
      how: "a document allows AWS * without a condition",
      mutate: (doc) => firstDocument(doc).push({ effect: "Allow", actions: ["s3:GetObject"], principals: [{ type: "AWS", identifiers: ["*"] }] }),
    },
  },
  {
    id: "CKV_AWS_358",
    scanner: "checkov",
    title: "GitHub Actions OIDC trust restricted to a repository",
    stacks: ALL_STACKS,
    check: (doc) =>
      eachItem(policyDocuments(doc), (statements) => {
        for (const statement of statements) {
          const github = (statement.principals ?? []).some(
            (principal) => principal.type === "Federated" && principal.identifiers.some((id) => id.includes("oidc-provider/token.actions.githubusercontent.com")),
          );
          if (!github) continue;
          const restricted = (statement.condition ?? []).some(
            (condition) => condition.variable === "token.actions.githubusercontent.com:sub" && condition.values.some((value) => /repo:[^/]+\/[^/]+/.test(value)),
          );
          if (!restricted) return "GitHub OIDC trust without a repo: sub condition";
        }
        return undefined;
      }),
    breaks: {
      how: "a document trusts GitHub's OIDC provider without a sub condition",
      mutate: (doc) =>
        firstDocument(doc).push({
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: ["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"] }],
        }),
    },
  },

  // --- S3 state bucket ----------------------------------------------------------------------------------------
  {
    id: "CKV_AWS_19",
    scanner: "checkov",
    title: "bucket encrypted at rest (AES256 or aws:kms)",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_server_side_encryption_configuration", (bucket, configs) => {
        const algorithms = sseAlgorithms(bucket, configs);
        // No encryption configuration at all passes too: S3 encrypts new buckets by default.
        return algorithms.every((algorithm) => ["AES256", "aws:kms"].includes(algorithm)) ? undefined : `sse_algorithm ${algorithms.join(", ")}`;
      }),
    breaks: {
      how: "the bucket declares aws:kms:dsse",
      mutate: (doc) =>
        (block(list(first(doc, "aws_s3_bucket_server_side_encryption_configuration").rule)[0] as Body, "apply_server_side_encryption_by_default") as Body).sse_algorithm =
          "aws:kms:dsse",
    },
  },
  {
    id: "AWS-0088",
    scanner: "trivy",
    title: "bucket encrypted",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_server_side_encryption_configuration", (bucket, configs) => {
        const algorithms = sseAlgorithms(bucket, configs);
        return algorithms.length > 0 && algorithms.every((algorithm) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(algorithm)) ? undefined : "no valid encryption";
      }),
    breaks: {
      how: "the bucket has no encryption configuration",
      mutate: (doc) => delete doc.resource?.aws_s3_bucket_server_side_encryption_configuration,
    },
  },
  {
    id: "CKV_AWS_21",
    scanner: "checkov",
    title: "bucket versioned",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_versioning", (bucket, versionings) =>
        block(bucket, "versioning")?.enabled === true || versionings.some((v) => block(v, "versioning_configuration")?.status === "Enabled") ? undefined : "versioning is not Enabled",
      ),
    breaks: { how: "versioning is Suspended", mutate: (doc) => ((block(first(doc, "aws_s3_bucket_versioning"), "versioning_configuration") as Body).status = "Suspended") },
  },
  {
    id: "AWS-0090",
    scanner: "trivy",
    title: "bucket versioned",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_versioning", (bucket, versionings) =>
        block(bucket, "versioning")?.enabled === true ||
        versionings.some((v) => String(block(v, "versioning_configuration")?.status).toLowerCase() === "enabled")
          ? undefined
          : "versioning is not enabled",
      ),
    breaks: { how: "the bucket has no versioning resource", mutate: (doc) => delete doc.resource?.aws_s3_bucket_versioning },
  },
  ...publicAccessFlagRules("block_public_acls", "CKV_AWS_53", "AWS-0086", "public access block blocks public ACLs"),
  ...publicAccessFlagRules("block_public_policy", "CKV_AWS_54", "AWS-0087", "public access block blocks public policies"),
  ...publicAccessFlagRules("ignore_public_acls", "CKV_AWS_55", "AWS-0091", "public access block ignores public ACLs"),
  ...publicAccessFlagRules("restrict_public_buckets", "CKV_AWS_56", "AWS-0093", "public access block restricts public buckets"),
  {
    id: "AWS-0094",
    scanner: "trivy",
    title: "bucket has a public access block",
    stacks: ["state"],
    check: (doc) => eachBucket(doc, "aws_s3_bucket_public_access_block", (_bucket, blocks) => (blocks.length > 0 ? undefined : "no public access block")),
    breaks: { how: "the bucket has no public access block", mutate: (doc) => delete doc.resource?.aws_s3_bucket_public_access_block },
  },
  {
    id: "s3_bucket_without_restriction_of_public_bucket",
    scanner: "KICS",
    title: "public access block restricts public buckets",
    stacks: ["state"],
    check: (doc) =>
      eachResource(doc, "aws_s3_bucket_public_access_block", (pab) => (pab.restrict_public_buckets === true ? undefined : `restrict_public_buckets is ${String(pab.restrict_public_buckets)}`)),
    breaks: { how: "restrict_public_buckets is missing", mutate: (doc) => delete first(doc, "aws_s3_bucket_public_access_block").restrict_public_buckets },
  },
  {
    id: "CKV2_AWS_6",
    scanner: "checkov",
    title: "bucket has a public access block that blocks ACLs and policies",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_public_access_block", (_bucket, blocks) =>
        blocks.some((pab) => pab.block_public_acls === true && pab.block_public_policy === true) ? undefined : "no public access block with block_public_acls and block_public_policy",
      ),
    breaks: { how: "block_public_policy is false", mutate: (doc) => (first(doc, "aws_s3_bucket_public_access_block").block_public_policy = false) },
  },
  {
    id: "CKV_AWS_20",
    scanner: "checkov",
    title: "bucket ACL not public",
    stacks: ["state"],
    check: (doc) => eachResource(doc, "aws_s3_bucket", (bucket) => (PUBLIC_ACLS.includes(String(bucket.acl)) ? `acl ${String(bucket.acl)}` : undefined)),
    breaks: { how: "the bucket's acl is public-read", mutate: (doc) => (first(doc, "aws_s3_bucket").acl = "public-read") },
  },
  {
    id: "AWS-0092",
    scanner: "trivy",
    title: "bucket ACL not public",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_acl", (bucket, acls) => {
        const canned = [bucket.acl, ...acls.map((acl) => acl.acl)].map(String);
        return canned.some((acl) => PUBLIC_ACLS.includes(acl)) ? `acl ${canned.join(", ")}` : undefined;
      }),
    breaks: {
      how: "an aws_s3_bucket_acl makes the bucket public-read-write",
      mutate: (doc) => {
        const [address] = resourceEntries(doc, "aws_s3_bucket")[0];
        (doc.resource as Record<string, Record<string, Body>>).aws_s3_bucket_acl = { public: { bucket: `\${${address}.id}`, acl: "public-read-write" } };
      },
    },
  },
  {
    id: "CKV2_AWS_61",
    scanner: "checkov",
    title: "bucket has a lifecycle configuration",
    stacks: ["state"],
    check: (doc) =>
      eachBucket(doc, "aws_s3_bucket_lifecycle_configuration", (bucket, lifecycles) =>
        lifecycles.length > 0 || has(bucket, "lifecycle_rule") ? undefined : "no lifecycle configuration",
      ),
    breaks: { how: "the bucket has no lifecycle configuration", mutate: (doc) => delete doc.resource?.aws_s3_bucket_lifecycle_configuration },
  },
  {
    id: "CKV_AWS_300",
    scanner: "checkov",
    title: "lifecycle aborts incomplete multipart uploads",
    stacks: ["state"],
    check: (doc) =>
      eachResource(doc, "aws_s3_bucket_lifecycle_configuration", (lifecycle) => {
        const aborts = list(lifecycle.rule).some((rule) => {
          const r = rule as Body;
          const filter = list(r.filter)[0];
          // A filter with any key (even prefix = "") is skipped; no filter or an empty one applies to every object.
          const everyObject = filter === undefined || (isObject(filter) && Object.keys(filter).length === 0);
          return list(r.abort_incomplete_multipart_upload).length > 0 && r.status === "Enabled" && everyObject;
        });
        return aborts ? undefined : "no enabled rule for every object aborts incomplete multipart uploads";
      }),
    breaks: {
      how: "the abort rule has a prefix filter",
      mutate: (doc) => ((list(first(doc, "aws_s3_bucket_lifecycle_configuration").rule)[0] as Body).filter = [{ prefix: "" }]),
    },
  },
  {
    id: "CKV2_AWS_65",
    scanner: "checkov",
    title: "bucket ACLs disabled (BucketOwnerEnforced)",
    stacks: ["state"],
    check: (doc) =>
      eachResource(doc, "aws_s3_bucket_ownership_controls", (controls) =>
        block(controls, "rule")?.object_ownership === "BucketOwnerEnforced" ? undefined : `object_ownership ${String(block(controls, "rule")?.object_ownership)}`,
      ),
    breaks: { how: "object ownership is ObjectWriter", mutate: (doc) => ((block(first(doc, "aws_s3_bucket_ownership_controls"), "rule") as Body).object_ownership = "ObjectWriter") },
  },
  {
    id: "CKV_AWS_70",
    scanner: "checkov",
    title: "bucket policy allows nothing to any principal",
    stacks: ["state"],
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_s3_bucket_policy", "policy"), (statement) =>
        !isDeny(statement) && statement.Principal !== undefined && awsPrincipals(statement).includes("*") ? "allows an action to any principal" : undefined,
      ),
    breaks: {
      how: "the bucket policy allows s3:GetObject to everyone",
      mutate: (doc) =>
        documentOf(doc, "aws_s3_bucket_policy", "policy").push({
          effect: "Allow",
          actions: ["s3:GetObject"],
          principals: [{ type: "*", identifiers: ["*"] }],
          resources: ["arn:aws:s3:::x/*"],
        }),
    },
  },
  {
    id: "CKV_AWS_93",
    scanner: "checkov",
    title: "bucket policy does not lock out everyone but root",
    stacks: ["state"],
    check: (doc) =>
      eachItem(statementsOf(doc, "aws_s3_bucket_policy", "policy"), (statement) => {
        if (!isDeny(statement) || statement.Condition !== undefined || statement.NotAction !== undefined) return undefined;
        const lockout = ["s3:PutBucketPolicy", "s3:*BucketPolicy", "s3:Put*", "s3:*", "*"];
        return awsPrincipals(statement).includes("*") && strings(statement.Action).some((action) => lockout.includes(action))
          ? "denies policy changes to everyone, unconditionally"
          : undefined;
      }),
    breaks: {
      how: "the TLS-only statement loses its aws:SecureTransport condition",
      mutate: (doc) => delete (documentOf(doc, "aws_s3_bucket_policy", "policy")[0] as { condition?: unknown }).condition,
    },
  },
  {
    id: "AWS-0320",
    scanner: "trivy",
    title: "bucket name DNS-compliant (no dots)",
    stacks: ["state"],
    check: (doc) => eachResource(doc, "aws_s3_bucket", (bucket) => (String(bucket.bucket).includes(".") ? `bucket name ${String(bucket.bucket)} contains a dot` : undefined)),
    breaks: { how: "the bucket name contains a dot", mutate: (doc) => (first(doc, "aws_s3_bucket").bucket = "tf.state.example") },
  },
];

/** The test name of a rule on one stack. */
const rowName = (rule: Rule, stack: StackKey) => `${rule.id} (${rule.scanner}): ${rule.title} — ${stack}`;
/** One row per rule and stack it applies to: [test name, rule, stack]. */
export const ROWS = RULES.flatMap((rule) => rule.stacks.map((stack) => [rowName(rule, stack), rule, stack] as const));
