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
    // The app, cdktf, tsc, esbuild and the tools' commands as processes; no cloud (`npm run test:integration`).
    { ...shared, ...testRun, displayName: "integration", testMatch: ["<rootDir>/__tests__/integration/**/*.test.ts"] },
    // The real Terraform, the local cloud and dev sessions (`npm run test:e2e`).
    { ...shared, ...testRun, displayName: "e2e", testMatch: ["<rootDir>/__tests__/e2e/**/*.test.ts"] },
  ],
};
