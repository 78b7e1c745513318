import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The folder of one run of the tests that run processes (integration and e2e): the global setup makes it
 * (test-run-setup.ts) and the teardown removes it (test-run-teardown.ts). Everything such a test writes goes in a
 * folder of its own inside it, so that no test sees another's files, nor those of another run on the same machine,
 * nor a developer's `.tfwork`.
 */
export const TEST_RUN_ENV = "API_AUTH_COGNITO_TEST_RUN";

/** This run's folder: the one the global setup made, or, for a file run some other way, a new one of this process. */
export function testRunFolder(): string {
  process.env[TEST_RUN_ENV] ??= mkdtempSync(join(tmpdir(), "api-auth-cognito-test-"));
  return process.env[TEST_RUN_ENV]!;
}

/** A new folder of the caller's own in this run's folder, named after `prefix`. */
export function ownFolder(prefix: string): string {
  const parent = join(testRunFolder(), "tests");
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${prefix}-`));
}

/**
 * The environment of a command a test runs (`npm run dev`, `local:up`, `plan`, ...): the tools' scratch folder and the
 * temp folder in `dir`, and any free ports. Such a command then finds no local cloud but the one its test gives it,
 * sweeps no other run's leftovers, and collides with no port.
 */
export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const temp = join(dir, "tmp");
  mkdirSync(temp, { recursive: true });
  return {
    ...process.env,
    NO_COLOR: "1",
    API_AUTH_COGNITO_WORK_DIR: join(dir, "work"),
    TMPDIR: temp,
    API_AUTH_COGNITO_CLOUD_PORT: "0",
    API_AUTH_COGNITO_API_PORT: "0",
    ...extra,
  };
}
