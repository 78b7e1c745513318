import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ownFolder } from "../../support/test-run";

/** The workflows' settings check and state probe, run as CI runs them; `aws` is a stand-in that answers as S3 would. */
const ROOT = join(__dirname, "..", "..", "..");
const run = (script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync(join(ROOT, ".github", "scripts", script), args, { cwd, encoding: "utf8", env: { PATH: `${join(cwd, "bin")}:${process.env.PATH}`, ...env } });

describe("check-settings.sh", () => {
  const project = (context: object) => {
    const dir = ownFolder("check-settings");
    writeFileSync(join(dir, "cdktf.json"), JSON.stringify({ app: "node main.js", context }));
    return dir;
  };

  test("passes when the bucket is bootstrapped and the workflow's region is the recorded state region", () => {
    const result = run("check-settings.sh", [], project({ stateBucket: "acme-state", stateRegion: "eu-west-1" }), { API_AUTH_COGNITO_STATE_REGION: "eu-west-1" });
    expect(result.status).toBe(0);
  });

  test("refuses, in one line naming both values, a workflow region that is not the recorded state region", () => {
    const result = run("check-settings.sh", [], project({ stateBucket: "acme-state", stateRegion: "eu-west-1" }), { API_AUTH_COGNITO_STATE_REGION: "us-east-1" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/region mismatch: .*"us-east-1".*stateRegion "eu-west-1"/)]);
  });

  test("refuses, in one line naming both values, a workflow region that is not the recorded region the CI roles allow", () => {
    const dir = project({ stateBucket: "acme-state", stateRegion: "eu-west-1", region: "eu-west-1" });
    const result = run("check-settings.sh", [], dir, { API_AUTH_COGNITO_STATE_REGION: "eu-west-1", API_AUTH_COGNITO_REGION: "us-east-1" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/region mismatch: .*API_AUTH_COGNITO_REGION\) is "us-east-1" but .* records region "eu-west-1", the region the CI roles allow/)]);
    expect(run("check-settings.sh", [], dir, { API_AUTH_COGNITO_STATE_REGION: "eu-west-1", API_AUTH_COGNITO_REGION: "eu-west-1" }).status).toBe(0);
  });

  test("refuses, in one line telling to run npm run bootstrap, when no state bucket is set or recorded", () => {
    const result = run("check-settings.sh", [], project({}), { API_AUTH_COGNITO_STATE_REGION: "us-east-1" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining("run npm run bootstrap")]);
    expect(run("check-settings.sh", [], project({}), { API_AUTH_COGNITO_STATE_BUCKET: "acme-state" }).status).toBe(0);
  });
});

describe("state-exists.sh", () => {
  /** A synthesized stack and an `aws` stand-in that records its arguments and answers with `stderr` and `status`. */
  const setup = (stderr: string, status: number) => {
    const dir = ownFolder("state-exists");
    mkdirSync(join(dir, "cdktf.out", "stacks", "api-auth-cognito-pr-7"), { recursive: true });
    const backend = { s3: { bucket: "acme-state", key: "api-auth-cognito/pr-7/us-east-1/terraform.tfstate", region: "eu-west-1" } };
    writeFileSync(join(dir, "cdktf.out", "stacks", "api-auth-cognito-pr-7", "cdk.tf.json"), JSON.stringify({ terraform: { backend } }));
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "aws"), `#!/usr/bin/env bash\necho "$*" > "${join(dir, "args")}"\nprintf '%s' '${stderr}' >&2\nexit ${status}\n`);
    chmodSync(join(dir, "bin", "aws"), 0o755);
    return dir;
  };

  test("asks S3 for the key the synthesized backend names, and prints exists=true when it is there", () => {
    const dir = setup("", 0);
    const result = run("state-exists.sh", ["api-auth-cognito-pr-7"], dir);
    expect(result.stdout).toBe("exists=true\n");
    expect(spawnSync("cat", [join(dir, "args")], { encoding: "utf8" }).stdout.trim()).toBe(
      "s3api head-object --bucket acme-state --key api-auth-cognito/pr-7/us-east-1/terraform.tfstate --region eu-west-1",
    );
  });

  test("prints exists=false when S3 answers Not Found", () => {
    const result = run("state-exists.sh", ["api-auth-cognito-pr-7"], setup("An error occurred (404) when calling the HeadObject operation: Not Found", 254));
    expect([result.status, result.stdout]).toEqual([0, "exists=false\n"]);
  });

  test("fails, in one line, on any other error, and when the stack was not synthesized", () => {
    const denied = run("state-exists.sh", ["api-auth-cognito-pr-7"], setup("An error occurred (403) when calling the HeadObject operation: Forbidden", 254));
    expect([denied.status, denied.stdout]).toEqual([1, ""]);
    expect(denied.stderr.trim().split("\n")).toEqual([expect.stringContaining("(403)")]);
    const missing = run("state-exists.sh", ["api-auth-cognito-pr-8"], setup("", 0));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("run npx cdktf synth first");
  });
});

describe("destroyed.sh", () => {
  /** A stack folder whose local state holds `resources`, as the real `terraform state list` reads it. */
  const stackWith = (resources: string[]) => {
    const dir = ownFolder("destroyed");
    const stack = join(dir, "cdktf.out", "stacks", "api-auth-cognito-pr-7");
    mkdirSync(stack, { recursive: true });
    const state = {
      version: 4,
      terraform_version: "1.11.4",
      serial: 3,
      lineage: "destroyed-test",
      outputs: {},
      resources: resources.map((name) => ({ mode: "managed", type: "aws_iam_role", name, provider: 'provider["registry.terraform.io/hashicorp/aws"]', instances: [{ schema_version: 0, attributes: { id: name } }] })),
    };
    writeFileSync(join(stack, "terraform.tfstate"), JSON.stringify(state));
    return dir;
  };

  test("passes when the state holds no resource", () => {
    const result = run("destroyed.sh", ["api-auth-cognito-pr-7"], stackWith([]));
    expect([result.status, result.stdout.trim()]).toEqual([0, "the destroy of api-auth-cognito-pr-7 left nothing in its state"]);
  });

  test("fails in one line naming what is left, whatever cdktf's exit code said", () => {
    const result = run("destroyed.sh", ["api-auth-cognito-pr-7"], stackWith(["a", "b"]));
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^::error::the destroy of api-auth-cognito-pr-7 left 2 resources in its state \(aws_iam_role\.a,aws_iam_role\.b\.\.\.\)/)]);
  });

  test("fails in one line when the stack was never synthesized", () => {
    const result = run("destroyed.sh", ["api-auth-cognito-pr-9"], stackWith([]));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^::error::no synthesized stack api-auth-cognito-pr-9/);
  });
});
