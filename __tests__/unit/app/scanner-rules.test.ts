import { TerraformStack, Testing } from "cdktf";
import { STAGES as STAGE_CONFIGS } from "../../../app/config";
import { buildApp, STATE_STACK_NAME, stackName } from "../../../app";
import { ALL_STACKS, ROWS, StackKey, STAGES } from "../../support/scanner-rules";
import { block, resourceEntries, Synthesized } from "../../support/synthesized";

/**
 * Scanner-rule parity: every checkov, trivy and KICS rule that SECURITY.md marks `pass` (the table in
 * __tests__/support/scanner-rules.ts) runs on the synthesized JSON of the stacks it applies to, and must fail on a
 * copy of the stack broken for it. checkov, trivy and KICS cannot be installed here; this suite is what keeps the
 * table honest. __tests__/security-table.test.ts checks that SECURITY.md lists exactly these rules.
 */

/** The stack id of each key, as app/config.ts names them: `api-auth-cognito-dev`, ..., `api-auth-cognito-state`. */
function stackId(key: StackKey): string {
  if (key === "state") return STATE_STACK_NAME;
  const stage = STAGE_CONFIGS.find((config) => config.name === key);
  if (!stage) throw new Error(`config.ts has no stage ${key}`);
  return stackName(stage);
}

const app = buildApp(Testing.app(), {});
const SYNTH = Object.fromEntries(
  ALL_STACKS.map((key) => {
    const stack = app.node.tryFindChild(stackId(key));
    if (!(stack instanceof TerraformStack)) throw new Error(`buildApp made no stack ${stackId(key)}`);
    return [key, JSON.parse(Testing.synth(stack)) as Synthesized];
  }),
) as Record<StackKey, Synthesized>;

describe("every rule SECURITY.md marks pass holds on the synthesized stacks", () => {
  test.each(ROWS)("%s", (_name, rule, stack) => {
    const verdict = rule.check(SYNTH[stack]);
    // A rule that looked at nothing proves nothing: each one must see at least one resource it applies to.
    expect(verdict.checked.length).toBeGreaterThan(0);
    expect(verdict.failures).toEqual([]);
  });
});

describe("each rule can fail", () => {
  test.each(ROWS)("%s", (_name, rule, stack) => {
    const broken = structuredClone(SYNTH[stack]);
    rule.breaks.mutate(broken);
    expect({ when: rule.breaks.how, failures: rule.check(broken).failures }).toEqual({ when: rule.breaks.how, failures: expect.arrayContaining([expect.any(String)]) });
  });
});

describe("exceptions are as narrow as SECURITY.md says", () => {
  test.each(STAGES)("CKV_AWS_309 (checkov): only GET /public is without authorization — %s", (stack) => {
    const open = resourceEntries(SYNTH[stack], "aws_apigatewayv2_route")
      .filter(([, route]) => !["AWS_IAM", "CUSTOM", "JWT"].includes(String(route.authorization_type)))
      .map(([, route]) => route.route_key);
    expect(open).toEqual(["GET /public"]);
  });

  test("CKV_AWS_338 (checkov): only dev keeps logs less than a year, 14 days", () => {
    const retention = (stack: StackKey) => resourceEntries(SYNTH[stack], "aws_cloudwatch_log_group").map(([, group]) => group.retention_in_days);
    expect(new Set(retention("dev"))).toEqual(new Set([14]));
    expect(new Set(retention("prod"))).toEqual(new Set([365]));
  });

  test.each(STAGES)("api_gateway_v2_cors_wildcard_origin (KICS): a wildcard origin never comes with credentials — %s", (stack) => {
    for (const [, api] of resourceEntries(SYNTH[stack], "aws_apigatewayv2_api")) {
      expect(block(api, "cors_configuration")?.allow_credentials).toBe(false);
    }
  });
});
