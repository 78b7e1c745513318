import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Testing } from "cdktf";
import { HttpApi } from "../../../constructs/http-api";
import { NodejsFunction } from "../../../constructs/nodejs-function";
import { ValidationError } from "../../../constructs/validation";
import { APP_COMMAND } from "../../support/app-command";
import { snapshot } from "../../support/snapshot";

/**
 * Bad configuration and bad props, in one table: each gives one ValidationError whose message names the bad value
 * and what is allowed. Configuration errors also stop the app as `cdktf synth` runs it: exit 1, one line, and the
 * previous output left exactly as it was.
 */

const ROOT = join(__dirname, "..", "..", "..");
const fn = { functionName: "fn", invokeArn: "arn:aws:apigateway:us-east-1:lambda:path/fn" };
const ENV_NAMES = ["API_AUTH_COGNITO_STAGES", "API_AUTH_COGNITO_BASE_STAGE", "API_AUTH_COGNITO_REGION", "API_AUTH_COGNITO_STATE_BUCKET", "API_AUTH_COGNITO_STATE_REGION"];

/** Runs the app as cdktf.json does, with a clean environment of our settings plus `env`; resolves when it exits. */
function synth(outdir: string, env: Record<string, string>, command: readonly string[] = APP_COMMAND): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(ENV_NAMES.map((name) => [name, ""]));
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...clean, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("bad configuration stops synth", () => {
  let good: Promise<string> | undefined;
  /** The output of a good synth, made once for every case (concurrent cases start before a describe's beforeAll). */
  const goodOutput = () =>
    (good ??= (async () => {
      const dir = mkdtempSync(join(tmpdir(), "bad-input-good-"));
      const result = await synth(dir, {});
      if (result.status !== 0) throw new Error(`the good synth failed: ${result.stderr}`);
      return dir;
    })());
  afterAll(async () => {
    if (good) rmSync(await good, { recursive: true, force: true });
  });

  // Each case is a process of its own; side by side they use every core when this file runs alone.
  test.concurrent.each([
    ["a stage name too long for IAM", { API_AUTH_COGNITO_STAGES: `pr-${"9".repeat(30)}` }, `invalid stage name "pr-${"9".repeat(30)}": 33 characters, at most 22`],
    ["a malformed stage name", { API_AUTH_COGNITO_STAGES: "dev,Prod!" }, 'invalid stage name "Prod!": expected lowercase letters, digits and single hyphens'],
    ["a base stage not in app/config.ts", { API_AUTH_COGNITO_BASE_STAGE: "qa" }, 'invalid base stage "qa": expected one of dev, prod'],
    ["an invalid region", { API_AUTH_COGNITO_REGION: "us-middle-earth" }, 'invalid region "us-middle-earth": expected an AWS region code such as us-east-1'],
    ["an invalid state region", { API_AUTH_COGNITO_STATE_REGION: "eu" }, 'invalid state region "eu": expected an AWS region code'],
    ["a malformed state bucket", { API_AUTH_COGNITO_STATE_BUCKET: "My_Bucket" }, 'invalid state bucket "My_Bucket": it may hold only lowercase letters, digits, dots and hyphens'],
    ["a blank state bucket", { API_AUTH_COGNITO_STATE_BUCKET: " " }, 'invalid state bucket " ": it must be 3 to 63 characters long'],
    ["a state bucket that looks like an IP address", { API_AUTH_COGNITO_STATE_BUCKET: "10.0.0.1" }, 'invalid state bucket "10.0.0.1": it may not look like an IP address'],
  ])("%s: exit 1, one line naming it and its source, the previous output untouched", async (_what, env, message) => {
    const outdir = mkdtempSync(join(tmpdir(), "bad-input-"));
    try {
      cpSync(await goodOutput(), outdir, { recursive: true });
      const before = snapshot(outdir);
      const result = await synth(outdir, env);
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Error: ${message}`);
      expect(lines[0]).toContain(`(from environment variable ${Object.keys(env)[0]})`);
      expect(snapshot(outdir)).toEqual(before);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 30_000);

  test("npx cdktf synth itself exits non-zero with our line, and leaves its output directory as it was", async () => {
    const outdir = mkdtempSync(join(tmpdir(), "bad-input-cli-"));
    try {
      cpSync(await goodOutput(), outdir, { recursive: true });
      const before = snapshot(outdir);
      const cli = [join(ROOT, "node_modules", ".bin", "cdktf"), "synth", "--output", outdir];
      const result = await synth(outdir, { API_AUTH_COGNITO_STATE_BUCKET: "Not_A_Bucket", TF_CLI_CONFIG_FILE: "/dev/null" }, cli);
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain('invalid state bucket "Not_A_Bucket"');
      expect(snapshot(outdir)).toEqual(before);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bad props stop the construct", () => {
  const build = (define: (scope: import("constructs").Construct) => void) => () => Testing.synthScope(define);
  const api = (routes: Record<string, unknown>) => build((scope) => new HttpApi(scope, "Api", { name: "api", routes: routes as never }));
  const lambda = (props: object) =>
    build((scope) => new NodejsFunction(scope, "Fn", { entry: join(ROOT, "lambdas", "public.ts"), functionName: "fn", ...props }));

  test.each([
    ["empty routes", api({}), 'API "api" has no routes: expected at least one, e.g. { "GET /": fn }'],
    ["a malformed route key", api({ "GET/notes": fn }), 'invalid route key "GET/notes": not a method and a path separated by one space; expected "METHOD /path"'],
    ["a duplicate route", api({ "GET /a/{x}": fn, "GET /a/{y}": fn }), 'duplicate route "GET /a/{y}": it matches the same requests as "GET /a/{x}"'],
    [
      "grantInvoke on a NONE route",
      build((scope) => {
        const role = new IamRole(scope, "Role", { assumeRolePolicy: "{}" });
        new HttpApi(scope, "Api", { name: "api", routes: { "GET /open": { function: fn, authorizationType: "NONE" } } }).grantInvoke(role, "GET /open");
      }),
      'cannot grant invoke on route "GET /open": its authorization type is NONE; grants apply to AWS_IAM routes only',
    ],
    [
      "grantInvoke to an existing role whose name is a token",
      build((scope) => {
        const role = new IamRole(scope, "Role", { assumeRolePolicy: "{}" });
        new HttpApi(scope, "Api", { name: "api", routes: { "GET /closed": fn } }).grantInvoke({ arn: role.arn, name: role.name });
      }),
      "a literal name is needed for a stable construct id",
    ],
    [
      "an escape hatch that would undo a validated prop",
      lambda({ cdk: { function: { memorySize: 64 } } }),
      "cannot set cdk.function.memorySize: the construct derives it from memorySize; set memorySize instead",
    ],
    ["a missing handler file", lambda({ entry: "lambdas/nope.ts" }), 'handler file "lambdas/nope.ts" not found'],
    ["memory out of range", lambda({ memorySize: 64 }), "invalid memory size (MiB) 64: expected a whole number from 128 to 10240"],
    ["a timeout out of range", lambda({ timeout: 1000 }), "invalid timeout (seconds) 1000: expected a whole number from 1 to 900"],
  ])("%s", (_what, run, message) => {
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(message);
  });
});
