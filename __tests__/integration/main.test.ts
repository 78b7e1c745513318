import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_CLOUD_PROFILE, LOCAL_CREDENTIALS, localAwsProvider, localCloudConfig, localS3Backend } from "../../app/contract/local-target";
import { readStageManifest } from "../../app/contract/stage-manifest";
import { APP_COMMAND } from "../support/app-command";
import { snapshot } from "../support/snapshot";

const ROOT = join(__dirname, "..", "..");
const FULL_DISK = join(__dirname, "..", "fixtures", "full-disk.cjs");

/** The app as cdktf.json runs it, in the project directory. */
function runApp(outdir: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(APP_COMMAND[0], APP_COMMAND.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, API_AUTH_COGNITO_STATE_BUCKET: "", API_AUTH_COGNITO_REGION: "", API_AUTH_COGNITO_STATE_REGION: "", API_AUTH_COGNITO_STAGES: "", API_AUTH_COGNITO_TARGET: "", API_AUTH_COGNITO_LOCAL_ENDPOINT: "", API_AUTH_COGNITO_CLOUD_PORT: "", SYNTH_HCL_OUTPUT: "", CDKTF_OUTDIR: outdir, ...env },
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

  test("with API_AUTH_COGNITO_TARGET=local the same stages point only their provider and state at the local cloud", () => {
    const localOut = mkdtempSync(join(tmpdir(), "api-auth-cognito-local-out-"));
    try {
      const endpoint = "http://127.0.0.1:4777";
      const local = runApp(localOut, { API_AUTH_COGNITO_TARGET: "local", API_AUTH_COGNITO_LOCAL_ENDPOINT: endpoint });
      expect(local.stderr).toBe("");
      expect(local.status).toBe(0);
      // No state stack: the local cloud creates its state bucket itself.
      const stacks = Object.keys(JSON.parse(readFileSync(join(localOut, "manifest.json"), "utf8")).stacks);
      expect(stacks.sort()).toEqual(["api-auth-cognito-dev", "api-auth-cognito-prod"]);
      for (const stack of stacks) {
        const aws = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
        const json = JSON.parse(readFileSync(join(localOut, "stacks", stack, "cdk.tf.json"), "utf8"));
        const [provider] = json.provider.aws;
        expect(provider).toEqual({ ...aws.provider.aws[0], ...localAwsProvider(LOCAL_CREDENTIALS.accessKeyId, false), profile: LOCAL_CLOUD_PROFILE, shared_config_files: [expect.any(String)] });
        expect(json.terraform.backend).toEqual({ s3: { ...aws.terraform.backend.s3, ...localS3Backend(endpoint, aws.terraform.backend.s3.key) } });
        // The profile's config file is beside the stack, named relative to it (Terraform runs there), and sends every
        // call to the local cloud.
        const config = provider.shared_config_files[0] as string;
        expect(config).toMatch(/^assets\//);
        expect(readFileSync(join(localOut, "stacks", stack, config), "utf8")).toBe(localCloudConfig(endpoint));
        expect(localCloudConfig(endpoint)).toContain(`[profile ${LOCAL_CLOUD_PROFILE}]\nendpoint_url = ${endpoint}\n`);
        // Everything else (resources, data sources, outputs, the archive provider) is the AWS stack's; cdktf's
        // metadata ("//") lists the overrides.
        const rest = (config: Record<string, unknown>) => {
          const { provider, terraform, "//": _metadata, ...others } = config as { provider: Record<string, unknown>; terraform: Record<string, unknown>; "//": unknown };
          return { others, archive: provider.archive, required: terraform.required_providers };
        };
        expect(rest(json)).toEqual(rest(aws));
      }
    } finally {
      rmSync(localOut, { recursive: true, force: true });
    }
  });

  test("without the switch no stack mentions the local cloud", () => {
    for (const [file, content] of Object.entries(snapshot(outdir))) {
      if (file.endsWith("cdk.tf.json")) expect(content).not.toMatch(/127\.0\.0\.1|local-state|access_key/);
    }
  });

  test("a bad target is one line naming it and the allowed values, exit 1", () => {
    const failed = runApp(mkdtempSync(join(tmpdir(), "api-auth-cognito-bad-target-")), { API_AUTH_COGNITO_TARGET: "localstack" });
    expect(failed.status).toBe(1);
    expect(failed.stderr.trim().split("\n")).toEqual([
      'Error: invalid target "localstack": expected one of aws, local (aws is the default) (from environment variable API_AUTH_COGNITO_TARGET)',
    ]);
  });

  test("a synth the disk cannot hold (ENOSPC half way) is one line, exit 1, and leaves the previous output whole", () => {
    const parent = mkdtempSync(join(tmpdir(), "api-auth-cognito-full-disk-"));
    const out = join(parent, "cdktf.out");
    try {
      expect(runApp(out).status).toBe(0);
      const before = snapshot(out);
      // Room for the first stack or so of a synth that differs from the one on disk in every stack.
      const full = { NODE_OPTIONS: `--require ${FULL_DISK}`, FULL_DISK_UNDER: parent, FULL_DISK_AFTER_BYTES: "30000", API_AUTH_COGNITO_REGION: "eu-west-1" };
      const failed = runApp(out, full);
      expect(failed.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Error: the synth could not be written \(ENOSPC on (write|copyfile): .*\); .*cdktf\.out is left as it was$/)]);
      expect(failed.status).toBe(1);
      expect(snapshot(out)).toEqual(before);
      expect(readdirSync(parent)).toEqual(["cdktf.out"]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test("a synth keeps each stack's Terraform files (.terraform, the lock file, a local state), so a deploy after it need not init again", () => {
    const out = mkdtempSync(join(tmpdir(), "api-auth-cognito-kept-init-"));
    try {
      expect(runApp(out, { API_AUTH_COGNITO_STAGES: "dev" }).status).toBe(0);
      const dev = join(out, "stacks", "api-auth-cognito-dev");
      mkdirSync(join(dev, ".terraform"));
      writeFileSync(join(dev, ".terraform", "terraform.tfstate"), "backend");
      writeFileSync(join(dev, ".terraform.lock.hcl"), "lock");
      writeFileSync(join(dev, "terraform.tfstate"), "state");
      expect(runApp(out, { API_AUTH_COGNITO_STAGES: "dev", API_AUTH_COGNITO_REGION: "eu-west-1" }).status).toBe(0);
      const kept = [join(dev, ".terraform", "terraform.tfstate"), join(dev, ".terraform.lock.hcl"), join(dev, "terraform.tfstate")].map((file) => readFileSync(file, "utf8"));
      expect(kept).toEqual(["backend", "lock", "state"]);
      expect(readFileSync(join(dev, "cdk.tf.json"), "utf8")).toContain("eu-west-1");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test.each([
    ["{bad", /^Error: CDKTF_CONTEXT_JSON \(cdktf.json's "context", as cdktf passes it to the app\) is not valid JSON: .*position 1.*$/],
    ["null", /^Error: invalid CDKTF_CONTEXT_JSON \(cdktf.json's "context", as cdktf passes it to the app\): null is not an object; expected an object of settings/],
    ['"us-east-1"', /^Error: invalid CDKTF_CONTEXT_JSON .*: "us-east-1" is not an object/],
  ])("a context of %s (CDKTF_CONTEXT_JSON) is one line naming where it came from, exit 1", (json, line) => {
    const out = join(outdir, "never-written");
    const failed = runApp(out, { CDKTF_CONTEXT_JSON: json });
    expect(failed.stderr.trim().split("\n")).toEqual([expect.stringMatching(line)]);
    expect(failed.status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  test("a synth in one format removes the other format's file that an earlier synth left in the same folder", () => {
    const mixed = mkdtempSync(join(tmpdir(), "api-auth-cognito-formats-"));
    try {
      expect(runApp(mixed, { SYNTH_HCL_OUTPUT: "true", API_AUTH_COGNITO_STAGES: "dev" }).status).toBe(0);
      const dev = join(mixed, "stacks", "api-auth-cognito-dev");
      expect(existsSync(join(dev, "cdk.tf"))).toBe(true);
      expect(runApp(mixed, { API_AUTH_COGNITO_STAGES: "dev" }).status).toBe(0);
      expect([existsSync(join(dev, "cdk.tf")), existsSync(join(dev, "cdk.tf.json"))]).toEqual([false, true]);
      expect(runApp(mixed, { SYNTH_HCL_OUTPUT: "true", API_AUTH_COGNITO_STAGES: "dev" }).status).toBe(0);
      expect([existsSync(join(dev, "cdk.tf")), existsSync(join(dev, "cdk.tf.json"))]).toEqual([true, false]);
    } finally {
      rmSync(mixed, { recursive: true, force: true });
    }
  });
});
