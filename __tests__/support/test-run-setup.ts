import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliConfigFile, terraformMissing } from "../../tools/terraform/terraform";
import { TEST_RUN_ENV } from "./test-run";

/**
 * The global setup of the integration and e2e projects: this run's folder (test-run.ts), handed to the workers through
 * the environment (one for both projects: the second setup finds it made), and the tools' Terraform CLI
 * configuration, written once before any Terraform runs.
 */
export default function setup(): void {
  process.env[TEST_RUN_ENV] ??= mkdtempSync(join(tmpdir(), "api-auth-cognito-test-"));
  if (terraformMissing() === undefined) cliConfigFile();
}
