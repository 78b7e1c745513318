import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliConfigFile, terraformMissing } from "../../tools/terraform/terraform";
import { TEST_RUN_ENV } from "./test-run";

/**
 * The e2e project's global setup: this run's folder (test-run.ts), handed to the workers through the environment,
 * and the tools' Terraform CLI configuration, written once before any Terraform runs.
 */
export default function setup(): void {
  process.env[TEST_RUN_ENV] = mkdtempSync(join(tmpdir(), "api-auth-cognito-test-"));
  if (terraformMissing() === undefined) cliConfigFile();
}
