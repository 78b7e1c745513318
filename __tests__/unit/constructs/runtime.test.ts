import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTING_SOURCES, STAGE_SETTING_SOURCES } from "../../../app/config";
import { bundleTarget, isNodejsRuntime, NODEJS_RUNTIME, NODEJS_RUNTIMES, NodejsRuntime, providerAcceptsRuntime } from "../../../constructs/runtime";

/** Days before Lambda's deprecation of a runtime from which this test fails, so that the upgrade is planned, not rushed. */
const WARNING_DAYS = 60;

/** The MIGRATING.md section on moving a stage to a newer runtime. */
const MIGRATING_SECTION = "Node.js 22 on Lambda ends";

const RUNTIMES = Object.keys(NODEJS_RUNTIMES) as NodejsRuntime[];

/** Why `runtime` must be left by `today`, or `undefined` while it is more than {@link WARNING_DAYS} days from its deprecation. */
function deprecationWarning(runtime: NodejsRuntime, today: Date): string | undefined {
  const { deprecated, creationBlocked } = NODEJS_RUNTIMES[runtime];
  const warnFrom = new Date(`${deprecated}T00:00:00Z`);
  warnFrom.setUTCDate(warnFrom.getUTCDate() - WARNING_DAYS);
  if (today < warnFrom) return undefined;
  return (
    `${runtime} is deprecated on ${deprecated} and cannot be used for new functions from ${creationBlocked}: move every stage on it to a newer runtime ` +
    `with the setting lambdaRuntime (${SETTING_SOURCES.lambdaRuntime.env}, or ${STAGE_SETTING_SOURCES.lambdaRuntime.env}<STAGE> for one stage) as MIGRATING.md ("${MIGRATING_SECTION}") says, then drop ${runtime} from NODEJS_RUNTIMES`
  );
}

test.each(RUNTIMES)(`%s is more than ${WARNING_DAYS} days from its deprecation (this test fails from then on, on purpose)`, (runtime) => {
  const warning = deprecationWarning(runtime, new Date());
  if (warning) throw new Error(warning);
});

test(`the warning starts ${WARNING_DAYS} days before the deprecation and names the setting and the MIGRATING section`, () => {
  expect(deprecationWarning("nodejs22.x", new Date("2027-02-28T23:59:59Z"))).toBeUndefined();
  expect(deprecationWarning("nodejs22.x", new Date("2027-03-01T00:00:00Z"))).toBe(
    'nodejs22.x is deprecated on 2027-04-30 and cannot be used for new functions from 2027-06-01: move every stage on it to a newer runtime with the setting lambdaRuntime (API_AUTH_COGNITO_LAMBDA_RUNTIME, or API_AUTH_COGNITO_LAMBDA_RUNTIME_<STAGE> for one stage) as MIGRATING.md ("Node.js 22 on Lambda ends") says, then drop nodejs22.x from NODEJS_RUNTIMES',
  );
  expect(deprecationWarning("nodejs24.x", new Date("2028-03-01T00:00:00Z"))).toMatch(/^nodejs24\.x is deprecated on 2028-04-30 /);
});

test("MIGRATING.md records each runtime's dates and the way to the next", () => {
  const migrating = readFileSync(join(__dirname, "..", "..", "..", "MIGRATING.md"), "utf8");
  const section = new RegExp(`^## ${MIGRATING_SECTION.replace(/\./g, "\\.")}\\n([\\s\\S]*?)^## `, "m").exec(migrating)?.[1] ?? "";
  for (const runtime of RUNTIMES) {
    expect(section).toContain(runtime);
    expect(section).toContain(NODEJS_RUNTIMES[runtime].deprecated);
    expect(section).toContain(NODEJS_RUNTIMES[runtime].creationBlocked);
  }
  expect(section).toContain(SETTING_SOURCES.lambdaRuntime.env);
  expect(section).toContain("lambdaRuntime");
});

test("the default runtime is the newest that the pinned provider, 5.100.0, accepts", () => {
  expect(NODEJS_RUNTIME).toBe("nodejs22.x");
  expect(RUNTIMES.filter((runtime) => providerAcceptsRuntime(runtime, "5.100.0"))).toEqual(["nodejs22.x"]);
  expect(SETTING_SOURCES.lambdaRuntime.default).toBe(NODEJS_RUNTIME);
});

test.each([
  ["nodejs24.x", "6.18.9", false],
  ["nodejs24.x", "6.19.0", true],
  ["nodejs24.x", "6.25.0", true],
  ["nodejs24.x", "6.66.0", true],
  ["nodejs24.x", "10.0.0", true],
  ["nodejs24.x", "5.100.0", false],
  ["nodejs22.x", "6.25.0", true],
  ["nodejs24.x", undefined, true],
] as const)("%s on hashicorp/aws %s: accepted %s", (runtime, version, accepted) => {
  expect(providerAcceptsRuntime(runtime, version)).toBe(accepted);
});

test("each runtime's bundle targets its Node major", () => {
  expect(RUNTIMES.map((runtime) => bundleTarget(runtime))).toEqual(["node22", "node24"]);
  expect(bundleTarget()).toBe("node22");
  expect([isNodejsRuntime("nodejs24.x"), isNodejsRuntime("nodejs20.x"), isNodejsRuntime("toString"), isNodejsRuntime(24)]).toEqual([true, false, false, false]);
});
