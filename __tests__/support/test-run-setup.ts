import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliConfigFile } from "../../tools/terraform/terraform";
import { askAboutParts, PARTS_ENV } from "./requires";
import { TEST_RUN_ENV } from "./test-run";

/**
 * The global setup of the integration and e2e projects, handed to the workers through the environment (once for both
 * projects: the second setup finds it done): this run's folder (test-run.ts), whether Terraform, moto and the
 * Lambda runtime's Node are here (requires.ts), and the tools' Terraform CLI configuration, written once before any
 * Terraform runs.
 */
export default function setup(): void {
  if (process.env[TEST_RUN_ENV]) return;
  process.env[TEST_RUN_ENV] = mkdtempSync(join(tmpdir(), "api-auth-cognito-test-"));
  const parts = askAboutParts();
  process.env[PARTS_ENV] = JSON.stringify(parts);
  if (parts.terraform === null) cliConfigFile();
}
