import { LOCAL_CREDENTIALS } from "../account";

/**
 * IAM authorization of a role's session, as the local cloud can do it: the role's identity policies (inline and
 * attached managed ones), read from the emulator's IAM with a short cache, evaluated for one action on one resource
 * by an IAM policy evaluator (@cloud-copilot/iam-simulate, a dev dependency). Only identity policies count: no SCPs,
 * RCPs, permission boundaries, session policies or resource policies, which the local cloud does not evaluate.
 * The IAM client and the evaluator load on the first decision, so that importing this module costs nothing.
 */

/** How long a role's policies are reused before they are read again, so that policy edits show quickly. */
export const POLICY_CACHE_MS = 2_000;

/** `arn:<partition>:iam::<account>:role[/path/]<name>`. */
const ROLE_ARN = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;

/** What {@link authorizeRole} decides. */
export interface RoleDecision {
  readonly allowed: boolean;
  /** The evaluator's result (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`) and what it was asked, for logs. */
  readonly reason: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, the caller as AWS names it in a refusal. */
  readonly principal: string;
}

/** Input of {@link authorizeRole}. */
export interface RoleRequest {
  /** An endpoint of the local cloud whose IAM holds the role (signed with the local key pair). */
  readonly endpoint: string;
  /** `arn:aws:iam::<account>:role[/path]/<name>`: the role the caller's credentials stand for. */
  readonly roleArn: string;
  /** The session name of the caller's assumed-role ARN. */
  readonly sessionName: string;
  /** `service:Operation`, e.g. `s3:GetObject`. */
  readonly action: string;
  /** The resource's ARN, or `*` for actions on no resource. */
  readonly resource: string;
}

type Policies = Array<{ name: string; policy: unknown }>;

const cache = new Map<string, { readonly at: number; readonly policies: Promise<Policies> }>();

/** Forgets every cached role, e.g. between tests. */
export function clearPolicyCache(): void {
  cache.clear();
}

/**
 * Decides whether a session of `roleArn` may perform `action` on `resource`, as IAM would from the role's identity
 * policies. A role the emulator does not know, or a malformed role ARN, is denied. Policies are cached per role
 * for {@link POLICY_CACHE_MS}. Rejects only when IAM cannot be read or the evaluator rejects the policies.
 */
export async function authorizeRole(request: RoleRequest): Promise<RoleDecision> {
  const role = ROLE_ARN.exec(request.roleArn);
  if (!role) return { allowed: false, reason: `not a role ARN: ${request.roleArn}`, principal: request.roleArn };
  const [, partition, accountId, roleName] = role;
  const principal = `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${request.sessionName}`;
  let policies: Policies;
  try {
    policies = await policiesOf(request.endpoint, request.roleArn, roleName);
  } catch (error) {
    if ((error as Error).name === "NoSuchEntityException") return { allowed: false, reason: `role ${request.roleArn} does not exist`, principal };
    throw error;
  }
  // S3 ARNs carry no account: the resource is taken to be in the caller's account, as in a single-account setup.
  const resourceAccount = /^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/.exec(request.resource)?.[1] ?? accountId;
  const { runSimulation } = await import("@cloud-copilot/iam-simulate");
  const response = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount },
        contextVariables: {},
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`iam-simulate rejected the policies of ${request.roleArn}: ${JSON.stringify(response.errors)}`);
  }
  const result = response.overallResult;
  const count = `${policies.length} ${policies.length === 1 ? "policy" : "policies"}`;
  return { allowed: result === "Allowed", reason: `${result}: ${roleName} (${count}) ${request.action} on ${request.resource}`, principal };
}

/** The role's identity policies, from the cache while it is fresh. A failed read is not cached. */
function policiesOf(endpoint: string, roleArn: string, roleName: string): Promise<Policies> {
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
async function readPolicies(endpoint: string, roleName: string): Promise<Policies> {
  const { GetPolicyCommand, GetPolicyVersionCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } = await import("@aws-sdk/client-iam");
  // IAM is global; its requests are signed for us-east-1.
  const iam = new IAMClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const policies: Policies = [];
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
