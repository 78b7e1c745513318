import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWhen, missing } from "../support/requires";

const ROOT = join(__dirname, "..", "..");

/** Every shell script of the project: CI's and the workflows'. */
const SCRIPTS = [".ci/run", ...readdirSync(join(ROOT, ".github", "scripts")).map((name) => `.github/scripts/${name}`)];

/** shellcheck's findings on `files`, one line each (gcc format), or none; it follows what a script sources (fail.sh). */
function shellcheck(files: readonly string[], cwd = ROOT): string[] {
  const result = spawnSync("shellcheck", ["--format=gcc", "--external-sources", ...files], { cwd, encoding: "utf8" });
  return result.stdout.split("\n").filter(Boolean);
}

describeWhen(missing("shellcheck"))("shell scripts", () => {
  test.each(SCRIPTS)("shellcheck finds nothing in %s", (script) => {
    expect(shellcheck([script])).toEqual([]);
  });

  test("and it does find what it is there for: a cd that may fail in a script that goes on (SC2164)", () => {
    const dir = mkdtempSync(join(tmpdir(), "api-auth-cognito-shellcheck-"));
    try {
      writeFileSync(join(dir, "run"), '#!/usr/bin/env bash\ncd "$(dirname "$0")/.."\necho here\n');
      expect(shellcheck(["run"], dir)).toEqual([expect.stringContaining("SC2164")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
