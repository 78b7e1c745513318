import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GetBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { copyProject } from "../tools/bench/project-copy";
import { LocalCloud, startLocalCloud } from "../tools/local-cloud/front";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../tools/local-cloud/local-account";
import { motoMissing } from "../tools/local-cloud/moto";
import { bootstrap, bucketToBootstrap } from "../tools/terraform/bootstrap";
import { synthesize } from "../tools/terraform/synthesize";
import { PROJECT_ROOT, terraformMissing } from "../tools/terraform/terraform";
import { describeWhen } from "./support/requires";

const BIN = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const cdktfJson = (project: string) => JSON.parse(readFileSync(join(project, "cdktf.json"), "utf8"));

describe("the bucket npm run bootstrap creates", () => {
  test("is named for the account and region unless the user set one: S3 names are global", () => {
    expect(bucketToBootstrap("api-auth-cognito-terraform-state", "123456789012", "eu-west-1")).toBe("api-auth-cognito-state-123456789012-eu-west-1");
    expect(bucketToBootstrap("acme-terraform-state", "123456789012", "eu-west-1")).toBe("acme-terraform-state");
    // The longest region code still gives a valid name (at most 63 characters).
    expect(bucketToBootstrap("api-auth-cognito-terraform-state", "123456789012", "ap-southeast-5").length).toBeLessThanOrEqual(63);
  });
});

/** `npm run bootstrap` against the local cloud, with the real Terraform, in copies of the project. */
describeWhen(terraformMissing() ?? motoMissing())("npm run bootstrap: the state bucket of the caller's account", () => {
  let cloud: LocalCloud;
  let s3: S3Client;
  const projects: string[] = [];
  const project = () => {
    const copy = copyProject("bootstrap-");
    projects.push(copy);
    return copy;
  };

  beforeAll(async () => {
    cloud = await startLocalCloud();
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await cloud?.stop();
    for (const copy of projects) rmSync(copy, { recursive: true, force: true });
  }, 30_000);

  test("names the bucket for the account and region, creates it with the state stack, records it in cdktf.json; stages then use it", async () => {
    const root = project();
    const before = cdktfJson(root);
    const result = await bootstrap({ projectRoot: root, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS });
    expect(result).toEqual({ accountId: "123456789012", bucket: "api-auth-cognito-state-123456789012-us-east-1", region: "us-east-1", recorded: true });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: result.bucket }))).Status).toBe("Enabled");
    // The rest of cdktf.json as it was; the state stack's state where `npx cdktf deploy api-auth-cognito-state` keeps it.
    expect(cdktfJson(root)).toEqual({ ...before, context: { ...before.context, stateBucket: result.bucket, stateRegion: "us-east-1" } });
    expect(existsSync(join(root, "terraform.api-auth-cognito-state.tfstate"))).toBe(true);
    const stacks = synthesize(join(root, "cdktf.out"), { projectRoot: root, stages: ["dev"] });
    const dev = JSON.parse(readFileSync(join(stacks.find((s) => s.name === "api-auth-cognito-dev")!.dir, "cdk.tf.json"), "utf8"));
    expect(dev.terraform.backend.s3).toMatchObject({ bucket: result.bucket, region: "us-east-1" });
    // Again: nothing to do, cdktf.json untouched.
    const text = readFileSync(join(root, "cdktf.json"), "utf8");
    expect(await bootstrap({ projectRoot: root, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS })).toMatchObject({ bucket: result.bucket, recorded: false });
    expect(readFileSync(join(root, "cdktf.json"), "utf8")).toBe(text);
  }, 180_000);

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
