import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NODEJS_RUNTIME, NODEJS_RUNTIME_DATES } from "../../../constructs/runtime";

/** Days before Lambda's deprecation of the runtime from which this test fails, so that the upgrade is planned, not rushed. */
const WARNING_DAYS = 60;

test(`${NODEJS_RUNTIME} is more than ${WARNING_DAYS} days from its deprecation (this test fails from then on, on purpose)`, () => {
  const warnFrom = new Date(`${NODEJS_RUNTIME_DATES.deprecated}T00:00:00Z`);
  warnFrom.setUTCDate(warnFrom.getUTCDate() - WARNING_DAYS);
  const today = new Date();
  if (today >= warnFrom) {
    throw new Error(
      `${NODEJS_RUNTIME} is deprecated on ${NODEJS_RUNTIME_DATES.deprecated} and cannot be used for new functions from ${NODEJS_RUNTIME_DATES.creationBlocked}: upgrade the runtime as MIGRATING.md ("Node.js 22 on Lambda ends") says`,
    );
  }
  expect(warnFrom.toISOString().slice(0, 10)).toBe("2027-03-01");
});

test("MIGRATING.md records the dates and the upgrade path", () => {
  const migrating = readFileSync(join(__dirname, "..", "..", "..", "MIGRATING.md"), "utf8");
  const section = /^## Node\.js 22 on Lambda ends\n([\s\S]*?)^## /m.exec(migrating)?.[1] ?? "";
  expect(section).toContain(NODEJS_RUNTIME_DATES.deprecated);
  expect(section).toContain(NODEJS_RUNTIME_DATES.creationBlocked);
  expect(section).toContain("nodejs24.x");
  expect(section).toContain("NODEJS_MAJOR");
});
