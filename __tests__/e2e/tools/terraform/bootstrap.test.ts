import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GetBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { copyProject } from "../../../../tools/bench/project-copy";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { bootstrap } from "../../../../tools/terraform/bootstrap";
import { synthesize } from "../../../../tools/terraform/synthesize";
import { describeWhen, missing } from "../../../support/requires";
import { SharedCloud, sharedCloud } from "../../../support/shared";
import { ownFolder } from "../../../support/test-run";

const cdktfJson = (project: string) => JSON.parse(readFileSync(join(project, "cdktf.json"), "utf8"));

/**
 * `npm run bootstrap` against the run's shared local cloud (the bucket it creates is its own), with the real Terraform,
 * in a copy of the project.
 */
describeWhen(missing("terraform", "moto"))("npm run bootstrap: the state bucket of the caller's account", () => {
  let cloud: SharedCloud;
  let s3: S3Client;
  let root: string;
  let work: string;

  beforeAll(async () => {
    cloud = await sharedCloud();
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    root = copyProject("bootstrap-");
    work = ownFolder("bootstrap");
  }, 300_000);

  afterAll(() => {
    s3?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("names the bucket for the account and region, creates it with the state stack, records it in cdktf.json; stages then use it", async () => {
    const before = cdktfJson(root);
    const result = await bootstrap({ projectRoot: root, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS, workdir: work });
    expect(result).toEqual({ accountId: "123456789012", bucket: "api-auth-cognito-state-123456789012-us-east-1", region: "us-east-1", recorded: true });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: result.bucket }))).Status).toBe("Enabled");
    // The rest of cdktf.json as it was; the state stack's state where `npx cdktf deploy api-auth-cognito-state` keeps it.
    expect(cdktfJson(root)).toEqual({ ...before, context: { ...before.context, stateBucket: result.bucket, stateRegion: "us-east-1" } });
    expect(existsSync(join(root, "terraform.api-auth-cognito-state.tfstate"))).toBe(true);
    const stacks = synthesize(join(work, "dev-out"), { projectRoot: root, stages: ["dev"] });
    const dev = JSON.parse(readFileSync(join(stacks.find((s) => s.name === "api-auth-cognito-dev")!.dir, "cdk.tf.json"), "utf8"));
    expect(dev.terraform.backend.s3).toMatchObject({ bucket: result.bucket, region: "us-east-1" });
    // Again: nothing to do, cdktf.json untouched.
    const text = readFileSync(join(root, "cdktf.json"), "utf8");
    expect(await bootstrap({ projectRoot: root, endpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS, workdir: work })).toMatchObject({ bucket: result.bucket, recorded: false });
    expect(readFileSync(join(root, "cdktf.json"), "utf8")).toBe(text);
  }, 180_000);
});
