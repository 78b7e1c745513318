// @ts-check
const Sequencer = require("@jest/test-sequencer").default;

/**
 * The order test files start in, so that the two cores are busy to the end: waiting is what the suite cannot make
 * faster (the AWS provider's fixed waits, the S3 lifecycle configuration's 30 s and more, processes shutting down), so
 * the files that wait longest start first and the rest fill the cores meanwhile; then the end-to-end files, then the
 * integration files, then the unit files, each as jest orders them (those that failed last time first, then by the
 * time they took last time, or by size when this machine has not run them yet).
 */

/** Files that spend most of their time waiting, longest first (paths under __tests__/). */
const WAITING_FIRST = ["e2e/tools/terraform/bootstrap.test.ts", "e2e/tools/cli/lifecycle.test.ts", "e2e/tools/terraform/local-deploy.test.ts", "e2e/tools/terraform/interrupted-deploy.test.ts", "e2e/app/local-target.test.ts", "e2e/tools/ci-roles/ci-roles.test.ts", "e2e/tools/terraform/state-migration.test.ts", "e2e/tools/terraform/local-unlock.test.ts"];

/** The projects in the order their files start. */
const PROJECTS = ["e2e", "integration", "unit"];

class WaitingFirst extends Sequencer {
  /** @param {import("@jest/test-result").Test[]} tests */
  sort(tests) {
    const rank = (/** @type {import("@jest/test-result").Test} */ test) => {
      const waiting = WAITING_FIRST.findIndex((file) => test.path.endsWith(`/__tests__/${file}`));
      if (waiting !== -1) return waiting;
      const project = test.context.config.displayName?.name ?? "";
      return WAITING_FIRST.length + (PROJECTS.includes(project) ? PROJECTS.indexOf(project) : PROJECTS.length);
    };
    // jest's own order first, kept within each rank (Array.prototype.sort is stable).
    const sorted = /** @type {import("@jest/test-result").Test[]} */ (super.sort(tests));
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = WaitingFirst;
