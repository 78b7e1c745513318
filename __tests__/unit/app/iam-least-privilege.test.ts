import { runSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { CognitoAuth } from "../../../constructs/cognito-auth";
import { HttpApi } from "../../../constructs/http-api";
import { ApiAuthCognitoStack, buildApp } from "../../../app";
import { IamPolicy } from "../../../tools/terraform/iam-policy";
import { ACCOUNT, ConcreteRole, concreteStack, executionArn, REGION } from "../../support/concrete-policies";
import { addressOf } from "../../support/synthesized";

/**
 * Least privilege, proven by evaluation rather than by reading policy text: every role's synthesized policies, with
 * fake deployed IDs in place of Terraform references, go through an independent IAM policy evaluator
 * (@cloud-copilot/iam-simulate; AGPL, a dev dependency used by this test only) with the ARNs real requests carry.
 */

/** What each stage's resources are called once deployed: fake, and different per stage, so cross-stage access shows. */
const DEPLOYED: Record<string, { stage: string; apiId: string; identityPoolId: string; userPoolId: string }> = {
  "api-auth-cognito-dev": {
    stage: "dev",
    apiId: "devapi1234",
    identityPoolId: "us-east-1:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
    userPoolId: "us-east-1_DevUsers1",
  },
  "api-auth-cognito-prod": {
    stage: "prod",
    apiId: "prodapi567",
    identityPoolId: "us-east-1:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
    userPoolId: "us-east-1_PrdUsers1",
  },
};

const app = buildApp(Testing.app(), {});
const STAGES = app.node.children
  .filter((child): child is ApiAuthCognitoStack => child instanceof ApiAuthCognitoStack)
  .map((stack) => {
    const deployed = DEPLOYED[stack.node.id];
    if (!deployed) throw new Error(`no fake deployed IDs for stack ${stack.node.id}: add it to DEPLOYED`);
    const concrete = concreteStack(Testing.synth(stack), deployed);
    const authenticatedRole = concrete.roles[addressOf(stack.auth.resources.authenticatedRole)];
    return { ...deployed, ...concrete, stackName: stack.node.id, authenticatedRole };
  });
type Stage = (typeof STAGES)[number];
const others = (stage: Stage) => STAGES.filter((other) => other !== stage);

const ALLOWED = "Allowed";
const DENIED = "ImplicitlyDenied";
type Expected = typeof ALLOWED | typeof DENIED;

/** Runs one simulation; throws when iam-simulate rejects the input or drops a context key, so no case passes by accident. */
async function decide(simulation: Omit<Simulation, "serviceControlPolicies" | "resourceControlPolicies">): Promise<string> {
  const response = await runSimulation({ serviceControlPolicies: [], resourceControlPolicies: [], ...simulation }, {});
  if (response.resultType === "error") throw new Error(`iam-simulate rejected the request: ${JSON.stringify(response.errors)}`);
  if (response.resultType !== "single") throw new Error(`expected one simulated resource, got a ${response.resultType} result`);
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`iam-simulate ignored context keys ${ignored.join(", ")}`);
  return response.overallResult;
}

/** The decision for each action on `resource`, requested by a session of `role` in the same account. */
async function identityDecisions(role: ConcreteRole, actions: readonly string[], resource: string): Promise<Record<string, string>> {
  const decisions: Record<string, string> = {};
  for (const action of actions) {
    decisions[action] = await decide({
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/session`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: role.identityPolicies,
    });
  }
  return decisions;
}

/** The decision of `role`'s trust policy on `principal` assuming it by `action` (a web identity or a service). */
function trustDecision(role: ConcreteRole, principal: string, action: string, context: Record<string, string | string[]>): Promise<string> {
  return decide({
    request: { principal, action, resource: { resource: role.arn, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: [],
    resourcePolicy: role.trustPolicy,
  });
}

/** One request by a session of `role`, and whether its identity policies must allow every one of `actions`. */
interface IdentityCase {
  readonly name: string;
  readonly role: ConcreteRole;
  readonly actions: readonly string[];
  readonly resource: string;
  readonly expected: Expected;
}

const INVOKE = ["execute-api:Invoke"];
// A real request ARN names the stage, $default; the grant says /*/GET/private.
const route = (arn: string, methodAndPath: string) => `${arn}/$default/${methodAndPath}`;

const signedInUserCases: IdentityCase[] = STAGES.flatMap((s) => {
  const may = (what: string, resource: string, actions = INVOKE): IdentityCase => ({
    name: `${s.stage}: a signed-in user may ${what}`,
    role: s.authenticatedRole,
    actions,
    resource,
    expected: ALLOWED,
  });
  const mayNot = (what: string, resource: string, actions = INVOKE): IdentityCase => ({
    ...may(`not ${what}`, resource, actions),
    expected: DENIED,
  });
  return [
    may(`invoke GET /private of ${s.stage}`, route(s.executionArn, "GET/private")),
    mayNot("invoke POST /private", route(s.executionArn, "POST/private")),
    mayNot("invoke GET /public (it is open: nobody needs a grant)", route(s.executionArn, "GET/public")),
    mayNot("invoke GET /private/extra", route(s.executionArn, "GET/private/extra")),
    mayNot("invoke GET /privateX", route(s.executionArn, "GET/privateX")),
    mayNot("invoke GET /private of another API in the account", route(executionArn("otherapi99"), "GET/private")),
    ...others(s).map((o) => mayNot(`invoke GET /private of ${o.stage}`, route(o.executionArn, "GET/private"))),
    mayNot("manage WebSocket connections of the API", route(s.executionArn, "POST/@connections/abc123"), ["execute-api:ManageConnections"]),
    ...s.functions.map((f) => mayNot(`invoke function ${f.name} directly`, f.arn, ["lambda:InvokeFunction"])),
    mayNot("read the Terraform state", `arn:aws:s3:::api-auth-cognito-terraform-state/api-auth-cognito/${s.stage}/us-east-1/terraform.tfstate`, [
      "s3:GetObject",
    ]),
  ];
});

const WRITE_LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
// The name Lambda gives a stream: date, version, instance.
const STREAM = "2025/01/31/[$LATEST]0123456789abcdef0123456789abcdef";
const ALL_LOG_GROUPS = STAGES.flatMap((s) => s.logGroupArns);
const logGroupName = (arn: string) => arn.slice(arn.indexOf(":log-group:") + ":log-group:".length);

const functionCases: IdentityCase[] = STAGES.flatMap((s) =>
  s.functions.flatMap((f): IdentityCase[] => [
    {
      name: `${s.stage}: function ${f.name} may write to its own log group`,
      role: f.role,
      actions: WRITE_LOGS,
      resource: `${f.logGroupArn}:log-stream:${STREAM}`,
      expected: ALLOWED,
    },
    ...ALL_LOG_GROUPS.filter((group) => group !== f.logGroupArn).map(
      (group): IdentityCase => ({
        name: `${s.stage}: function ${f.name} may not write to ${logGroupName(group)}`,
        role: f.role,
        actions: WRITE_LOGS,
        resource: `${group}:log-stream:${STREAM}`,
        expected: DENIED,
      }),
    ),
    {
      name: `${s.stage}: function ${f.name} may not create or delete log groups`,
      role: f.role,
      actions: ["logs:CreateLogGroup", "logs:DeleteLogGroup"],
      resource: f.logGroupArn,
      expected: DENIED,
    },
  ]),
);

/** One attempt to assume a role, and whether its trust policy must allow it. */
interface TrustCase {
  readonly name: string;
  readonly role: ConcreteRole;
  readonly principal: string;
  readonly action: string;
  readonly context: Record<string, string | string[]>;
  readonly expected: Expected;
}

const COGNITO_IDENTITY = "cognito-identity.amazonaws.com";
/** The context of AssumeRoleWithWebIdentity by the identity pool: its id as `aud`, how the user signed in as `amr`. */
const webIdentity = (aud: string | undefined, amr: string[]) => ({
  ...(aud === undefined ? {} : { [`${COGNITO_IDENTITY}:aud`]: aud }),
  [`${COGNITO_IDENTITY}:amr`]: amr,
});
const signedIn = (s: Stage) => ["authenticated", `cognito-idp.${REGION}.amazonaws.com/${s.userPoolId}`];

const trustCases: TrustCase[] = STAGES.flatMap((s) => {
  const identity = (name: string, context: Record<string, string | string[]>, expected: Expected): TrustCase => ({
    name: `${s.stage}: ${name}`,
    role: s.authenticatedRole,
    principal: COGNITO_IDENTITY,
    action: "sts:AssumeRoleWithWebIdentity",
    context,
    expected,
  });
  const service = (principal: string, f: Stage["functions"][number], expected: Expected): TrustCase => ({
    name: `${s.stage}: ${principal} ${expected === ALLOWED ? "may" : "may not"} assume the role of function ${f.name}`,
    role: f.role,
    principal,
    action: "sts:AssumeRole",
    context: {},
    expected,
  });
  return [
    identity(`a signed-in user of ${s.stage}'s identity pool may assume the authenticated role`, webIdentity(s.identityPoolId, signedIn(s)), ALLOWED),
    ...others(s).map((o) =>
      identity(
        `a signed-in user of ${o.stage}'s identity pool may not assume ${s.stage}'s authenticated role`,
        webIdentity(o.identityPoolId, signedIn(o)),
        DENIED,
      ),
    ),
    identity("a guest (amr unauthenticated) may not assume the authenticated role", webIdentity(s.identityPoolId, ["unauthenticated"]), DENIED),
    identity("a web identity without an audience may not assume the authenticated role", webIdentity(undefined, signedIn(s)), DENIED),
    ...s.functions.flatMap((f) => [service("lambda.amazonaws.com", f, ALLOWED), service("apigateway.amazonaws.com", f, DENIED)]),
  ];
});

/** What an Allow statement of `policies` grants beyond named actions on named resources; empty when nothing. */
function broadGrants(policies: readonly IamPolicy[]): string[] {
  const list = (value: unknown) => [value ?? []].flat().map(String);
  // Deny statements can only take permissions away.
  return policies.flatMap(({ Statement }) =>
    Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [
      ...list(statement.Action).filter((action) => /[*?]/.test(action)).map((action) => `Action ${action}`),
      ...list(statement.Resource).filter((resource) => resource === "*").map(() => 'Resource "*"'),
      ...(statement.NotAction === undefined ? [] : ["NotAction"]),
      ...(statement.NotResource === undefined ? [] : ["NotResource"]),
    ]),
  );
}

test("both stages are proven, each with its own fake IDs", () => {
  expect(STAGES.map((s) => s.stackName)).toEqual(Object.keys(DEPLOYED));
});

test.each(STAGES)("$stage: every role of the stack is simulated below (the signed-in users' role and one per function)", (s) => {
  expect(s.authenticatedRole).toBeDefined();
  expect(s.functions.length).toBeGreaterThan(0);
  expect(Object.values(s.roles).sort(byName)).toEqual([s.authenticatedRole, ...s.functions.map((f) => f.role)].sort(byName));
  for (const f of s.functions) expect(s.logGroupArns).toContain(f.logGroupArn);
});

test.each(signedInUserCases)("$name", async ({ role, actions, resource, expected }) => {
  expect(await identityDecisions(role, actions, resource)).toEqual(Object.fromEntries(actions.map((action) => [action, expected])));
});

test.each(trustCases)("$name", async ({ role, principal, action, context, expected }) => {
  expect(await trustDecision(role, principal, action, context)).toBe(expected);
});

test.each(functionCases)("$name", async ({ role, actions, resource, expected }) => {
  expect(await identityDecisions(role, actions, resource)).toEqual(Object.fromEntries(actions.map((action) => [action, expected])));
});

test.each(STAGES.flatMap((s) => Object.values(s.roles).map((role) => ({ name: `${s.stage}: role ${role.name}`, role }))))(
  '$name grants no wildcard action, no Resource "*" and no NotAction/NotResource',
  ({ role }) => {
    expect(role.identityPolicies.flatMap(({ policy }) => policy.Statement).length).toBeGreaterThan(0);
    expect(broadGrants(role.identityPolicies.map(({ policy }) => policy))).toEqual([]);
  },
);

describe("composed grants, proven by evaluation", () => {
  // Two grantInvoke calls for one role: the simulator must allow both routes, and nothing else of the API.
  const fake = (name: string) => ({ functionName: name, invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/${name}` });
  const synth = Testing.synthScope((scope) => {
    const auth = new CognitoAuth(scope, "Auth", { namePrefix: "composed-test" });
    const api = new HttpApi(scope, "Api", { name: "composed-test-api", routes: { "GET /a": fake("a"), "GET /b": fake("b"), "GET /c": fake("c") } });
    api.grantInvoke(auth.authenticatedRole, "GET /a");
    api.grantInvoke(auth.authenticatedRole, "GET /b");
  });
  const composed = concreteStack(synth, DEPLOYED["api-auth-cognito-dev"]);
  const [grantee] = Object.values(composed.roles);

  test("the stack has the one role, with one invoke policy", () => {
    expect(Object.values(composed.roles)).toHaveLength(1);
    expect(grantee.identityPolicies).toHaveLength(1);
  });

  test.each([
    ["GET/a", ALLOWED],
    ["GET/b", ALLOWED],
    ["GET/c", DENIED],
  ])("a session of the role invoking %s: %s", async (methodAndPath, expected) => {
    expect(await identityDecisions(grantee, INVOKE, route(composed.executionArn, methodAndPath))).toEqual({ "execute-api:Invoke": expected });
  });
});

describe("the checks above can fail", () => {
  const [dev, prod] = STAGES;

  test("without its aud condition, dev's trust policy would let prod's signed-in users in", async () => {
    const role = structuredClone(dev.authenticatedRole);
    const condition = role.trustPolicy.Statement[0].Condition as Record<string, unknown>;
    expect(condition.StringEquals).toBeDefined();
    delete condition.StringEquals;
    const prodUser = webIdentity(prod.identityPoolId, signedIn(prod));
    expect(await trustDecision(role, COGNITO_IDENTITY, "sts:AssumeRoleWithWebIdentity", prodUser)).toBe(ALLOWED);
  });

  test("a grant on every route of the API would let a signed-in user POST /private", async () => {
    const role = structuredClone(dev.authenticatedRole);
    role.identityPolicies[0].policy.Statement[0].Resource = [`${dev.executionArn}/*`];
    expect(await identityDecisions(role, INVOKE, route(dev.executionArn, "POST/private"))).toEqual({ "execute-api:Invoke": ALLOWED });
  });

  test("the structural check flags wildcard actions, Resource \"*\" and NotAction", () => {
    const policy: IamPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:*", "logs:Put*"], Resource: "*" },
        { Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::bucket" },
        { Effect: "Deny", Action: "*", Resource: "*" },
      ],
    };
    expect(broadGrants([policy])).toEqual(["Action s3:*", "Action logs:Put*", 'Resource "*"', "NotAction"]);
  });

  test("a reference concrete-policies.ts cannot translate stops the file instead of slipping through", () => {
    const synth = JSON.stringify({
      resource: { aws_iam_role: { R: { name: "r", assume_role_policy: "${data.aws_iam_policy_document.D.json}" } } },
      data: { aws_iam_policy_document: { D: { statement: [{ effect: "Allow", actions: ["s3:GetObject"], resources: ["${aws_s3_bucket.B.arn}/*"] }] } } },
    });
    expect(() => concreteStack(synth, DEPLOYED["api-auth-cognito-dev"])).toThrow("no concrete value for ${aws_s3_bucket.B.arn}");
  });
});

function byName(a: ConcreteRole, b: ConcreteRole): number {
  return a.name.localeCompare(b.name);
}
