import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { terraform } from "../../../../tools/terraform/terraform";
import { APP_COMMAND } from "../../../support/app-command";
import { describeWhen, missing } from "../../../support/requires";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

const ROOT = join(__dirname, "..", "..", "..", "..");

/**
 * Before `npm run bootstrap`, the synth works (the quickstart, offline), but the AWS stacks name no state bucket
 * Terraform accepts: `terraform init`, which `cdktf deploy`, `diff` and `destroy` run first, stops on the backend's
 * configuration, offline, before any request to S3, quoting the line that says to run npm run bootstrap.
 */
describeWhen(missing("terraform"))("the placeholder state bucket under terraform init", () => {
  test("a stage's init refuses the backend before any request, naming npm run bootstrap", async () => {
    const stack = "api-auth-cognito-dev";
    const dir = ownFolder("placeholder-init");
    const outdir = join(dir, "cdktf.out");
    const env = { ...isolatedEnv(dir), API_AUTH_COGNITO_STATE_BUCKET: "", API_AUTH_COGNITO_TARGET: "", CDKTF_OUTDIR: outdir };
    const synth = spawnSync(APP_COMMAND[0], APP_COMMAND.slice(1), { cwd: ROOT, encoding: "utf8", env });
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    // Nothing answers at these endpoints: an init that sent a request would fail on the connection, not the configuration.
    const result = await terraform(["init", "-input=false", "-no-color"], join(outdir, "stacks", stack), { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Incorrect attribute value type/);
    expect(result.stderr).toMatch(/no state bucket yet: run npm run bootstrap/);
    expect(result.stderr).not.toMatch(/connect|dial tcp|RequestError/i);
  }, 60_000);
});
