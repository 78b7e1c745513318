const { availableParallelism } = require("node:os");

/** Settings both projects share. */
const shared = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": "<rootDir>/jest.transform.js" },
  setupFilesAfterEnv: ["<rootDir>/jest.setup.js"],
};

/** @type {import('jest').Config} */
module.exports = {
  // One and a half workers per core: the end-to-end suites spend part of their time waiting on Terraform and the
  // emulator (the AWS provider sleeps 5 s after each CreateFunction). On 2 cores, 3 workers ran them in 0.9 of the
  // time of 2. A number, because jest reads a percentage above 100 as that many workers.
  maxWorkers: Math.max(1, Math.floor(availableParallelism() * 1.5)),
  projects: [
    // Fast tests of the constructs, stacks, handlers, tools and docs: `npm run test:unit`.
    { ...shared, displayName: "unit", testMatch: ["<rootDir>/__tests__/**/*.test.ts"], testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$"] },
    // The real Terraform and the moto emulator: validate, plan, deploy, destroy: `npm run test:e2e`.
    { ...shared, displayName: "e2e", testMatch: ["<rootDir>/__tests__/**/*.e2e.test.ts"] },
  ],
};
