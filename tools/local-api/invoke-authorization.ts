import { executeApiArn, executionArn } from "../../constructs/execute-api-arn";
import { authorizeRole, clearPolicyCache, POLICY_CACHE_MS } from "../local-cloud";

/**
 * Whether a caller of an `AWS_IAM` route may call it: the role's identity policies, evaluated for
 * `execute-api:Invoke` on the request's ARN by the local cloud's role authorization (`role-policies.ts`).
 */

export { clearPolicyCache, POLICY_CACHE_MS };

/** The action API Gateway authorizes an `AWS_IAM` route's caller for. */
export const INVOKE_ACTION = "execute-api:Invoke";

/**
 * The ARN API Gateway checks `execute-api:Invoke` against for a request to an HTTP API's `$default` stage:
 * `arn:aws:execute-api:<region>:<account>:<apiId>/$default/<METHOD>/<path without its leading slash>`.
 */
export function requestArn(region: string, accountId: string, apiId: string, method: string, path: string): string {
  return executeApiArn(executionArn(region, accountId, apiId), "$default", method, path.split("?")[0]);
}

/** What {@link mayInvoke} decides. */
export interface InvokeDecision {
  readonly allowed: boolean;
  /** The evaluator's result (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`) and what it was asked, for logs and 403 bodies. */
  readonly reason: string;
}

/** Input of {@link mayInvoke}. */
export interface MayInvokeInput {
  /** The local cloud's endpoint, whose IAM holds the role. */
  readonly endpoint: string;
  /** `arn:aws:iam::<account>:role[/path]/<name>`: the role the caller's credentials stand for. */
  readonly roleArn: string;
  /** The request's ARN, from {@link requestArn}. */
  readonly routeArn: string;
  /** The session name of the caller's assumed-role ARN. @default "local-cloud" */
  readonly sessionName?: string;
}

/**
 * Decides whether `roleArn` may call `execute-api:Invoke` on `routeArn`, as IAM would from the role's inline and
 * attached managed policies. A role the emulator does not know, or a route ARN that is not an execute-api ARN, is
 * denied.
 */
export async function mayInvoke(input: MayInvokeInput): Promise<InvokeDecision> {
  if (!/^arn:[\w-]+:execute-api:[\w-]+:\d{12}:/.test(input.routeArn)) return { allowed: false, reason: `not an execute-api ARN: ${input.routeArn}` };
  const { allowed, reason } = await authorizeRole({
    endpoint: input.endpoint,
    roleArn: input.roleArn,
    sessionName: input.sessionName ?? "local-cloud",
    action: INVOKE_ACTION,
    resource: input.routeArn,
  });
  return { allowed, reason };
}
