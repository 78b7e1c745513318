import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";

const BIN = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

/** `npm run bootstrap` refusing what it cannot do, before it asks or writes anything (no cloud needed). */
describe("npm run bootstrap's refusals", () => {
  test("without an account to ask (nothing answers), one line says what to do, and cdktf.json is unchanged", () => {
    const text = readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8");
    const run = spawnSync(BIN, ["tools/bin/bootstrap.ts"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_MAX_ATTEMPTS: "1" },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Error: cannot tell which AWS account to bootstrap \(STS GetCallerIdentity: .*\); sign in first/);
    expect(run.stdout).toBe("");
    expect(readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8")).toBe(text);
  }, 60_000);

  test("a bad region is refused before anything is asked or written", () => {
    const run = spawnSync(BIN, ["tools/bin/bootstrap.ts", "--region", "moon-1"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('invalid state region "moon-1"');
  }, 60_000);
});
