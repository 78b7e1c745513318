import { IncomingHttpHeaders } from "node:http";
import { actionOf, isJsonObject, servedUnsigned } from "../local-cloud";

/**
 * What IAM authorizes an AWS API request for: its action and the ARN of the resource it acts on, read from the
 * request itself (signing scope, `X-Amz-Target`, Query `Action`, REST method and path, body). Covers the services a
 * stage's `terraform plan`, `apply` and `destroy` and the smoke test call (Cognito's public operations, such as
 * InitiateAuth, GetId and GetCredentialsForIdentity, as needing no permission); any other request is reported as unmapped, so that a change
 * that makes Terraform call something new fails loudly instead of slipping past the CI roles' checks.
 */

/** A request as the front saw it, with its whole body. */
export interface ObservedCall {
  readonly method: string;
  /** Path and query as received, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An authorized call: the IAM action and the resource ARN (`*` where the action has no resource-level permissions). */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
}

/** The result of {@link iamRequestOf}: the request, one that needs no permission, or one the mapping does not know. */
export type IamRequestResult =
  | ({ readonly kind: "authorized" } & IamRequest)
  | { readonly kind: "free"; readonly operation: string; readonly why: string }
  | { readonly kind: "unmapped"; readonly description: string };

/** Lambda's REST operations: method, path below the API version, operation. The function name is the first group. */
const LAMBDA_OPERATIONS: ReadonlyArray<readonly [string, RegExp, string]> = [
  ["POST", /^\/2015-03-31\/functions\/?$/, "CreateFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "GetFunction"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "DeleteFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "GetFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, "UpdateFunctionConfiguration"],
  ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/, "UpdateFunctionCode"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/, "ListVersionsByFunction"],
  ["GET", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "GetPolicy"],
  ["POST", /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, "AddPermission"],
  ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/policy\/[^/]+\/?$/, "RemovePermission"],
  ["GET", /^\/2020-06-30\/functions\/([^/]+)\/code-signing-config\/?$/, "GetFunctionCodeSigningConfig"],
  ["GET", /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/, "GetFunctionConcurrency"],
  ["PUT", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "PutFunctionConcurrency"],
  ["DELETE", /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, "DeleteFunctionConcurrency"],
  ["GET", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "ListTags"],
  ["POST", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "TagResource"],
  ["DELETE", /^\/2017-03-31\/tags\/arn:[^/]*:function:([^/:]+)\/?$/, "UntagResource"],
];

/** Maps one request, made in `accountId`, to what IAM authorizes it for. */
export function iamRequestOf(call: ObservedCall, accountId: string): IamRequestResult {
  const target = String(call.headers["x-amz-target"] ?? "");
  // Signed or not, AWS authorizes a public operation by the user's tokens, never by the caller's IAM policies.
  if (target !== "" && servedUnsigned(call.method, call.url, target)) {
    const [prefix, name] = target.split(".");
    const service = prefix === "AWSCognitoIdentityService" ? "cognito-identity" : "cognito-idp";
    return { kind: "free", operation: `${service}:${name}`, why: "needs no permission: a public Cognito API, authorized by the user's password or tokens" };
  }
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(call.headers.authorization ?? ""));
  if (!scope) return { kind: "unmapped", description: `an unsigned ${call.method} ${call.url}` };
  const [, region, service] = scope;
  const path = decodeURIComponent(call.url.split("?")[0]);
  const described = `${service} ${call.method} ${call.url.split("?")[0]}`;
  const authorized = (action: string, resource: string): IamRequestResult => ({ kind: "authorized", action, resource });
  const input = jsonObject(call.body);
  const operation = target.includes(".") ? target.slice(target.lastIndexOf(".") + 1) : queryAction(call);
  const arn = (resource: string) => `arn:aws:${service}:${region}:${accountId}:${resource}`;

  switch (service) {
    case "sts":
      if (operation === "GetCallerIdentity") return { kind: "free", operation: "sts:GetCallerIdentity", why: "needs no permission: an identity may always ask who it is" };
      break;
    case "s3": {
      const mapped = actionOf({ ...call, service, region, accountId, port: 0 });
      if (mapped.enforced && mapped.resources.length === 1) return authorized(mapped.action, mapped.resources[0]);
      break;
    }
    case "iam": {
      const roleName = formField(call.body, "RoleName");
      if (operation !== undefined && roleName !== undefined) return authorized(`iam:${operation}`, `arn:aws:iam::${accountId}:role/${roleName}`);
      break;
    }
    case "logs": {
      if (operation === undefined) break;
      if (typeof input.resourceArn === "string") return authorized(`logs:${operation}`, input.resourceArn);
      // The group's ARN as the Service Authorization Reference writes it; AWS checks `<that>:*`, which the
      // policies' patterns (ending in `*`) match as well.
      if (typeof input.logGroupName === "string") return authorized(`logs:${operation}`, arn(`log-group:${input.logGroupName}`));
      if (operation === "DescribeLogGroups") return authorized("logs:DescribeLogGroups", "*");
      break;
    }
    case "cognito-idp": {
      if (operation === undefined) break;
      if (typeof input.UserPoolId === "string") return authorized(`cognito-idp:${operation}`, arn(`userpool/${input.UserPoolId}`));
      if (operation === "CreateUserPool") return authorized("cognito-idp:CreateUserPool", "*");
      break;
    }
    case "cognito-identity": {
      if (operation === undefined) break;
      if (typeof input.IdentityPoolId === "string") return authorized(`cognito-identity:${operation}`, arn(`identitypool/${input.IdentityPoolId}`));
      if (operation === "CreateIdentityPool") return authorized("cognito-identity:CreateIdentityPool", "*");
      break;
    }
    case "lambda": {
      for (const [method, pattern, name] of LAMBDA_OPERATIONS) {
        const match = method === call.method ? pattern.exec(path) : null;
        if (!match) continue;
        const functionName = match[1] ?? (typeof input.FunctionName === "string" ? input.FunctionName : undefined);
        if (functionName !== undefined) return authorized(`lambda:${name}`, arn(`function:${functionName}`));
      }
      break;
    }
    case "apigateway":
      // API Gateway's IAM actions are the HTTP method on the resource path, v2 APIs without their `/v2`.
      if (path.startsWith("/v2/")) return authorized(`apigateway:${call.method}`, `arn:aws:apigateway:${region}::${path.slice(3)}`);
      break;
  }
  return { kind: "unmapped", description: operation === undefined ? described : `${service}:${operation}` };
}

/** The Query protocol's `Action` (IAM, STS), from the query or the form body. */
function queryAction(call: ObservedCall): string | undefined {
  return formField(Buffer.from(`${call.url.split("?")[1] ?? ""}&${call.body.toString("utf8")}`), "Action");
}

/** One field of a form-encoded body. */
function formField(body: Buffer, name: string): string | undefined {
  return new URLSearchParams(body.toString("utf8")).get(name) ?? undefined;
}

/** A JSON body as an object; anything else as an empty one. */
export function jsonObject(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return isJsonObject(value) ? value : {};
  } catch {
    return {};
  }
}
