/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/jest.transform.js" },
  setupFilesAfterEnv: ["<rootDir>/jest.setup.js"],
  // One worker per core: the Terraform and emulator suites spend most of their time waiting on child processes.
  maxWorkers: "100%",
};
