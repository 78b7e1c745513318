import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ownFolder } from "../../support/test-run";

/** The variable that names a set of bindings for the app runner. */
const { BINDINGS_ENV } = require("../../../tools/terraform/bindings.cjs") as { BINDINGS_ENV: string };

const ROOT = join(__dirname, "..", "..", "..");
const run = promisify(execFile);

/**
 * The same sources synthesize on the other provider bindings the project stays compatible with
 * (tools/terraform/bindings.cjs): a full synth of every stack, by the app runner cdktf.json names, with CI roles and
 * a stage in another account configured, gives the same resources, data sources, outputs, variables, backends and
 * zips as today's bindings; only the provider versions the bindings pin, and cdktn's metadata, differ.
 */

/** Settings that synthesize every kind of stack: state, CI roles, three stages, one in another account. */
const SETTINGS = {
  CHECKPOINT_DISABLE: "1",
  API_AUTH_COGNITO_TARGET: "",
  API_AUTH_COGNITO_STAGES: "dev,prod,feature-x",
  API_AUTH_COGNITO_GITHUB_REPOSITORY: "acme/api",
  API_AUTH_COGNITO_STATE_BUCKET: "acme-tf-state",
  API_AUTH_COGNITO_DEPLOY_ROLE_PROD: "arn:aws:iam::111122223333:role/api-auth-cognito-prod-deploy",
};

/** The app runner on `bindings` (or today's) with SETTINGS and `env`, writing into a folder of its own. */
function runApp(name: string, bindings: string | undefined, env: Record<string, string> = {}) {
  const out = join(ownFolder(name), "cdktf.out");
  const runner = run(process.execPath, [join("tools", "terraform", "run-app.cjs"), "main.ts"], { cwd: ROOT, env: { ...process.env, ...SETTINGS, ...env, CDKTF_OUTDIR: out, [BINDINGS_ENV]: bindings ?? "" } });
  return { out, runner };
}

/** Each stack's configuration, its assets' names and its stage manifest, from a synth with `bindings` (or today's). */
async function synth(bindings?: string, env: Record<string, string> = {}) {
  const { out, runner } = runApp(`bindings-${bindings ?? "today"}-${env.API_AUTH_COGNITO_LAMBDA_RUNTIME ?? "default"}`, bindings, env);
  await runner;
  const stacks = join(out, "stacks");
  return Object.fromEntries(
    readdirSync(stacks).map((stack) => {
      const files = readdirSync(join(stacks, stack), { recursive: true, encoding: "utf8" }).sort();
      const config = JSON.parse(readFileSync(join(stacks, stack, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
      const manifest = files.includes("stage-manifest.json") ? readFileSync(join(stacks, stack, "stage-manifest.json"), "utf8") : undefined;
      return [stack, { config, files, manifest }];
    }),
  );
}

/** A stack's configuration without what the bindings themselves write: their metadata and the provider versions they pin. */
function withoutBindings(config: Record<string, unknown>): { config: Record<string, unknown>; providers: unknown } {
  const { "//": _metadata, terraform, ...rest } = config as { "//"?: unknown; terraform?: { required_providers?: unknown } };
  const { required_providers: providers, ...settings } = terraform ?? {};
  return { config: { ...rest, terraform: settings }, providers };
}

describe("the same sources on other provider bindings", () => {
  let today: Awaited<ReturnType<typeof synth>>;
  beforeAll(async () => {
    today = await synth();
  }, 120_000);

  test.each([
    ["aws6", { aws: { source: "aws", version: "6.25.0" }, archive: { source: "hashicorp/archive", version: "2.7.1" } }],
    ["cdktn", { aws: { source: "hashicorp/aws", version: "6.66.0" }, archive: { source: "hashicorp/archive", version: "2.8.1" } }],
  ])("%s: every stack as today's but for the provider versions it pins", async (bindings, providers) => {
    const other = await synth(bindings);
    expect(Object.keys(other).sort()).toEqual(Object.keys(today).sort());
    expect(Object.keys(today)).toEqual(expect.arrayContaining(["api-auth-cognito-dev", "api-auth-cognito-ci", "api-auth-cognito-prod-account", "api-auth-cognito-state"]));
    for (const [stack, { config, files, manifest }] of Object.entries(other)) {
      const mine = withoutBindings(config);
      expect({ stack, config: mine.config }).toEqual({ stack, config: withoutBindings(today[stack].config).config });
      expect({ stack, providers: mine.providers }).toEqual({ stack, providers: expect.objectContaining({ aws: providers.aws }) });
      const archive = (mine.providers as { archive?: unknown }).archive;
      if (archive !== undefined) expect(archive).toEqual(providers.archive);
      expect({ stack, files }).toEqual({ stack, files: today[stack].files });
      expect({ stack, manifest: manifest && JSON.parse(manifest) }).toEqual({ stack, manifest: today[stack].manifest && JSON.parse(today[stack].manifest!) });
    }
  }, 120_000);

  test.each(["aws6", "cdktn"])("%s with lambdaRuntime nodejs24.x: every function on nodejs24.x, and nothing else changed", async (bindings) => {
    const on24 = await synth(bindings, { API_AUTH_COGNITO_LAMBDA_RUNTIME: "nodejs24.x" });
    const on22 = await synth(bindings);
    let functions = 0;
    for (const [stack, { config, files, manifest }] of Object.entries(on24)) {
      const lambdas = Object.values((config.resource as { aws_lambda_function?: Record<string, { runtime: string }> } | undefined)?.aws_lambda_function ?? {});
      functions += lambdas.length;
      expect({ stack, runtimes: lambdas.map((fn) => fn.runtime) }).toEqual({ stack, runtimes: lambdas.map(() => "nodejs24.x") });
      // The same configuration once the runtime is put back: routes, trust conditions, ARNs, outputs, zips.
      const back = JSON.parse(JSON.stringify(config).replaceAll('"runtime":"nodejs24.x"', '"runtime":"nodejs22.x"'));
      expect({ stack, config: back }).toEqual({ stack, config: on22[stack].config });
      expect({ stack, files }).toEqual({ stack, files: on22[stack].files });
      if (manifest) expect((JSON.parse(manifest) as { functions: Array<{ runtime: string }> }).functions.map((fn) => fn.runtime)).toEqual(lambdas.map(() => "nodejs24.x"));
    }
    // dev, prod and feature-x: a public and a private function each.
    expect(functions).toBe(6);
  }, 120_000);

  test("today's bindings refuse nodejs24.x in one line naming the provider version that can, and write nothing", async () => {
    const { out, runner } = runApp("bindings-today-24", undefined, { API_AUTH_COGNITO_LAMBDA_RUNTIME_FEATURE_X: "nodejs24.x" });
    const failed = await runner.catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: 1,
      stderr: `Error: runtime "nodejs24.x" needs hashicorp/aws 6.19.0 or newer, and these bindings are for 5.100.0: move to provider 6's bindings first (MIGRATING.md, "Node.js 22 on Lambda ends"), or keep nodejs22.x\n`,
    });
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  test("a name that is no set of bindings is refused in one line, before anything is synthesized", async () => {
    const failed = await runApp("bindings-bad", "aws7").runner.catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1, stderr: `Error: invalid ${BINDINGS_ENV} "aws7": expected one of aws6, cdktn, or nothing for today's bindings\n` });
  }, 60_000);
});
