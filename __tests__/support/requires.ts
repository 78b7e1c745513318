import { spawnSync } from "node:child_process";
import { lambdaNodeMissing } from "../../tools/local-api/lambda/node";
import { motoMissing } from "../../tools/local-cloud";
import { terraformMissing } from "../../tools/terraform/terraform";

/**
 * Tests that need a real external part (Terraform, the moto emulator, the Lambda runtimes' Node, shellcheck, a browser) run only where it is
 * present, and otherwise say why they were skipped, in one line, instead of skipping silently. Whether each part is
 * here is asked once per run (the global setup, test-run-setup.ts, hands the answers to the workers): asking starts
 * it (importing moto's server alone is half a second of CPU), and every file asks.
 */

/** Why shellcheck is missing, or `undefined` when it runs. */
function shellcheckMissing(): string | undefined {
  return spawnSync("shellcheck", ["--version"]).status === 0 ? undefined : "shellcheck is not installed (apt-get install shellcheck; .ci/run installs it)";
}

/** Why headless Chromium cannot run here, or `undefined` when it can. */
function chromiumMissing(): string | undefined {
  return spawnSync("chromium", ["--version"], { timeout: 30_000 }).status === 0 ? undefined : "chromium is not installed (apt-get install chromium; .ci/run installs it)";
}

/** The external parts a test may need, and how to ask whether each is missing. */
const PARTS = {
  terraform: terraformMissing,
  moto: motoMissing,
  // The Node of the default runtime, and of nodejs24.x.
  "lambda-node": () => lambdaNodeMissing(),
  "lambda-node-24": () => lambdaNodeMissing("nodejs24.x"),
  shellcheck: shellcheckMissing,
  chromium: chromiumMissing,
} as const;

/** A part of {@link PARTS}. */
export type Part = keyof typeof PARTS;

/** Where the global setup puts the answers: `{ "<part>": "<why it is missing>" | null }`. */
export const PARTS_ENV = "API_AUTH_COGNITO_TEST_PARTS";

/** Asks about every part: for the global setup. */
export function askAboutParts(): Record<Part, string | null> {
  return Object.fromEntries(Object.entries(PARTS).map(([part, missing]) => [part, missing() ?? null])) as Record<Part, string | null>;
}

/** Why the first of `parts` that is missing here is missing, or `undefined` when all are here. */
export function missing(...parts: Part[]): string | undefined {
  const known = process.env[PARTS_ENV] ? (JSON.parse(process.env[PARTS_ENV]) as Record<Part, string | null>) : undefined;
  for (const part of parts) {
    const why = known ? known[part] : PARTS[part]();
    if (why) return why;
  }
  return undefined;
}

/** `describe` when nothing is missing; else `describe.skip`, after printing the reason once. */
export function describeWhen(missing: string | undefined): jest.Describe {
  if (missing === undefined) return describe;
  process.stderr.write(`skipped (${expect.getState().testPath ?? "tests"}): ${missing}\n`);
  return describe.skip;
}
