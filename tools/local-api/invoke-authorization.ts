import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { executeApiArn, executionArn } from "../../constructs/execute-api-arn";
import { LOCAL_CREDENTIALS } from "../local-cloud/local-account";

/**
 * Whether a caller of an `AWS_IAM` route may call it: the role's identity policies, read from the emulator's IAM,
 * evaluated for `execute-api:Invoke` on the request's ARN by an IAM policy evaluator (@cloud-copilot/iam-simulate,
 * a dev dependency). Only identity policies count: no SCPs, RCPs, permission boundaries or session policies, which
 * the local cloud does not have.
 */

/** The action API Gateway authorizes an `AWS_IAM` route's caller for. */
export const INVOKE_ACTION = "execute-api:Invoke";

/** How long a role's policies are reused before they are read again, so that policy edits show quickly. */
export const POLICY_CACHE_MS = 2_000;

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

interface RolePolicies {
  readonly at: number;
  readonly policies: Promise<Array<{ name: string; policy: unknown }>>;
}

const cache = new Map<string, RolePolicies>();

/** Forgets every cached role, e.g. between tests. */
export function clearPolicyCache(): void {
  cache.clear();
}

/**
 * Decides whether `roleArn` may call `execute-api:Invoke` on `routeArn`, as IAM would from the role's inline and
 * attached managed policies. A role the emulator does not know is denied. The role's policies are cached per role
 * for {@link POLICY_CACHE_MS}.
 */
export async function mayInvoke(input: MayInvokeInput): Promise<InvokeDecision> {
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(input.roleArn);
  if (!role) return { allowed: false, reason: `not a role ARN: ${input.roleArn}` };
  const [, partition, accountId, roleName] = role;
  let policies: Array<{ name: string; policy: unknown }>;
  try {
    policies = await policiesOf(input.endpoint, input.roleArn, roleName);
  } catch (error) {
    if ((error as Error).name === "NoSuchEntityException") return { allowed: false, reason: `role ${input.roleArn} does not exist` };
    throw error;
  }
  const resourceAccount = /^arn:[\w-]+:execute-api:[\w-]+:(\d{12}):/.exec(input.routeArn)?.[1];
  if (!resourceAccount) return { allowed: false, reason: `not an execute-api ARN: ${input.routeArn}` };
  const response = await runSimulation(
    {
      request: {
        principal: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${input.sessionName ?? "local-cloud"}`,
        action: INVOKE_ACTION,
        resource: { resource: input.routeArn, accountId: resourceAccount },
        contextVariables: {},
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`iam-simulate rejected the policies of ${input.roleArn}: ${JSON.stringify(response.errors)}`);
  }
  const result = response.overallResult;
  return {
    allowed: result === "Allowed",
    reason: `${result}: ${roleName} (${policies.length} ${policies.length === 1 ? "policy" : "policies"}) ${INVOKE_ACTION} on ${input.routeArn}`,
  };
}

/** The role's identity policies, from the cache while it is fresh. A failed read is not cached. */
function policiesOf(endpoint: string, roleArn: string, roleName: string): Promise<Array<{ name: string; policy: unknown }>> {
  const key = `${endpoint} ${roleArn}`;
  const now = Date.now();
  const cached = cache.get(key);
  if (cached && now - cached.at < POLICY_CACHE_MS) return cached.policies;
  const policies = readPolicies(endpoint, roleName);
  cache.set(key, { at: now, policies });
  policies.catch(() => {
    if (cache.get(key)?.policies === policies) cache.delete(key);
  });
  return policies;
}

/** Inline policies (ListRolePolicies, GetRolePolicy) and attached managed policies at their default version. */
async function readPolicies(endpoint: string, roleName: string): Promise<Array<{ name: string; policy: unknown }>> {
  // IAM is global; its requests are signed for us-east-1.
  const iam = new IAMClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const policies: Array<{ name: string; policy: unknown }> = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
      for (const name of page.PolicyNames ?? []) {
        const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
        policies.push({ name, policy: parseDocument(PolicyDocument, `${roleName}/${name}`) });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    do {
      const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
      for (const attached of page.AttachedPolicies ?? []) {
        const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn }));
        const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn, VersionId: Policy?.DefaultVersionId }));
        policies.push({ name: attached.PolicyArn!, policy: parseDocument(PolicyVersion?.Document, attached.PolicyArn!) });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return policies;
  } finally {
    iam.destroy();
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986); tolerate one that is not. */
function parseDocument(document: string | undefined, where: string): unknown {
  if (document === undefined) throw new Error(`IAM returned no document for policy ${where}`);
  let text = document;
  try {
    text = decodeURIComponent(document);
  } catch {
    // not encoded
  }
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(document);
  }
}
