const { availableParallelism } = require("node:os");

/** Settings the three projects share. */
const shared = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": "<rootDir>/jest.transform.js" },
  setupFilesAfterEnv: ["<rootDir>/jest.setup.js"],
};

/**
 * One folder per run (__tests__/support/test-run.ts) for everything the tests that run processes write, and for the
 * processes the e2e files share (support/shared.ts): made before the first test, removed after the last.
 */
const testRun = {
  globalSetup: "<rootDir>/__tests__/support/test-run-setup.ts",
  globalTeardown: "<rootDir>/__tests__/support/test-run-teardown.ts",
};

/**
 * The provider bindings besides today's (tools/terraform/bindings.cjs), as jest module mappings: an import of a
 * package of the set, or of a file in it, resolves to the set's package.
 */
const BINDINGS = Object.fromEntries(
  Object.entries(require("./tools/terraform/bindings.cjs").BINDINGS).map(([name, packages]) => [
    name,
    Object.fromEntries(Object.entries(packages).map(([from, to]) => [`^${from}(/.*)?$`, `${to}$1`])),
  ]),
);

/** The tests of the construct library and the stacks. */
const CONSTRUCT_TESTS = ["<rootDir>/__tests__/unit/{constructs,app}/**/*.test.ts"];

/** @type {import('jest').Config} */
module.exports = {
  // One and a half workers per core: the end-to-end suites spend part of their time waiting on Terraform and the
  // emulator (the AWS provider sleeps 5 s after each CreateFunction). A number, because jest reads a percentage above
  // 100 as that many workers.
  maxWorkers: Math.max(1, Math.floor(availableParallelism() * 1.5)),
  // The files that wait longest start first (__tests__/support/sequencer.js).
  testSequencer: "<rootDir>/__tests__/support/sequencer.js",
  projects: [
    // In-process tests of the constructs, stacks, handlers, tools and docs: no process of their own, no network,
    // nothing written outside a temp folder (`npm run test:unit`, the loop to run on every save).
    { ...shared, displayName: "unit", testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"] },
    // The constructs' and stacks' unit tests again on the other provider bindings (BINDINGS): the same sources, their
    // imports mapped, so that the way off provider 5 and off cdktf stays proven (MIGRATING.md).
    ...Object.entries(BINDINGS).map(([name, moduleNameMapper]) => ({ ...shared, displayName: `unit-${name}`, testMatch: CONSTRUCT_TESTS, moduleNameMapper, globals: { bindings: name } })),
    // The app, cdktf, tsc, esbuild and the tools' commands as processes; no cloud (`npm run test:integration`).
    { ...shared, ...testRun, displayName: "integration", testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"] },
    // The real Terraform, the local cloud and dev sessions (`npm run test:e2e`).
    { ...shared, ...testRun, displayName: "e2e", testMatch: ["<rootDir>/__tests__/e2e/**/*.test.ts"] },
  ],
};
