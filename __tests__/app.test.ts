import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { snapshot } from "./support/snapshot";

/** The app as cdktf.json runs it: tsx main.ts, in the project directory. */
const ROOT = join(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function runApp(outdir: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(TSX, ["main.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, API_AUTH_COGNITO_STATE_BUCKET: "", API_AUTH_COGNITO_REGION: "", API_AUTH_COGNITO_STATE_REGION: "", CDKTF_OUTDIR: outdir, ...env },
  });
}

describe("the app as cdktf synth runs it", () => {
  let outdir: string;
  let first: ReturnType<typeof runApp>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "api-auth-cognito-out-"));
    first = runApp(outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("writes both stacks with their bundled handlers", () => {
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const files = Object.keys(snapshot(outdir));
    for (const stage of ["dev", "prod"]) {
      expect(files).toContain(`stacks/api-auth-cognito-${stage}/cdk.tf.json`);
      expect(files.filter((f) => f.startsWith(`stacks/api-auth-cognito-${stage}/assets/`) && f.endsWith("/index.js"))).toHaveLength(2);
    }
  });

  test("the Terraform holds no path of this machine, so cdktf.out works from any checkout", () => {
    for (const [file, content] of Object.entries(snapshot(outdir))) {
      if (!file.endsWith(".json")) continue;
      expect(content).not.toContain(ROOT);
      expect(content).not.toContain(tmpdir());
    }
  });

  test("bad input: one line naming the value, exit 1, and the previous output left as it was", () => {
    const before = snapshot(outdir);
    const failed = runApp(outdir, { API_AUTH_COGNITO_STATE_BUCKET: "Not_A_Bucket" });
    expect(failed.status).toBe(1);
    expect(failed.stderr.trim().split("\n")).toEqual([
      'Error: invalid state bucket "Not_A_Bucket": it may hold only lowercase letters, digits, dots and hyphens (from environment variable API_AUTH_COGNITO_STATE_BUCKET)',
    ]);
    expect(snapshot(outdir)).toEqual(before);
  });
});
