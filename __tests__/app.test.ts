import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStageManifest } from "../stage-manifest";
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

  test("publishes a manifest beside each stage's stack that names exactly what the synthesized Terraform holds", () => {
    for (const stage of ["dev", "prod"]) {
      const dir = join(outdir, "stacks", `api-auth-cognito-${stage}`);
      const manifest = readStageManifest(dir)!;
      const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      expect(manifest).toMatchObject({ app: "api-auth-cognito", stage, stack: `api-auth-cognito-${stage}`, region: "us-east-1" });
      // Every output the manifest names is an output of the stack, and the other way round.
      expect(Object.values(manifest.outputs).sort()).toEqual(Object.keys(json.output).sort());
      // Functions: their deployed names, handler files that exist, and the bundle archive_file zips.
      const functions = Object.values(json.resource.aws_lambda_function) as Array<{ function_name: string }>;
      expect(manifest.functions.map((f) => f.name).sort()).toEqual(functions.map((f) => f.function_name).sort());
      const zipped = Object.values(json.data.archive_file).map((archive) => (archive as { source_dir: string }).source_dir);
      for (const fn of manifest.functions) {
        expect(existsSync(join(ROOT, fn.entry))).toBe(true);
        expect(existsSync(join(dir, fn.bundle, "index.js"))).toBe(true);
        expect(zipped).toContain(fn.bundle);
      }
      expect(manifest.functions.map((f) => f.entry).sort()).toEqual(["lambdas/private.ts", "lambdas/public.ts"]);
      // Routes: the deployed route keys with their authorization types.
      const routes = Object.values(json.resource.aws_apigatewayv2_route) as Array<{ route_key: string; authorization_type: string }>;
      expect(Object.fromEntries(Object.entries(manifest.api.routes).map(([key, route]) => [key, route.authorizationType]))).toEqual(
        Object.fromEntries(routes.map((route) => [route.route_key, route.authorization_type])),
      );
      expect(manifest.api.routes["GET /private"].function).toBe(`api-auth-cognito-${stage}-private`);
    }
    expect(readStageManifest(join(outdir, "stacks", "api-auth-cognito-state"))).toBeUndefined();
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
