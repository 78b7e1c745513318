/**
 * Tests that need a real external part (Terraform, the moto emulator) run only where it is present,
 * and otherwise say why they were skipped, in one line, instead of skipping silently.
 */

/** `describe` when nothing is missing; else `describe.skip`, after printing the reason once. */
export function describeWhen(missing: string | undefined): jest.Describe {
  if (missing === undefined) return describe;
  process.stderr.write(`skipped (${expect.getState().testPath ?? "tests"}): ${missing}\n`);
  return describe.skip;
}
