/** Settings both projects share. */
const shared = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": "<rootDir>/jest.transform.js" },
  setupFilesAfterEnv: ["<rootDir>/jest.setup.js"],
};

/** @type {import('jest').Config} */
module.exports = {
  // One worker per core: the end-to-end suites spend most of their time waiting on Terraform and the emulator.
  maxWorkers: "100%",
  projects: [
    // Fast tests of the constructs, stacks, handlers, tools and docs: `npm run test:unit`.
    { ...shared, displayName: "unit", testMatch: ["<rootDir>/__tests__/**/*.test.ts"], testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$"] },
    // The real Terraform and the moto emulator: validate, plan, deploy, destroy: `npm run test:e2e`.
    { ...shared, displayName: "e2e", testMatch: ["<rootDir>/__tests__/**/*.e2e.test.ts"] },
  ],
};
