import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertStateBucketBootstrapped, SETTING_SOURCES, UNBOOTSTRAPPED_BACKEND_BUCKET } from "../../../app/config";
import { planStack } from "../../../tools/terraform/plan";

/** The default state bucket is a placeholder for offline synths: nothing plans against AWS on it. */
describe("the placeholder state bucket", () => {
  const placeholder = SETTING_SOURCES.stateBucket.default;

  test("is refused in one line telling to run npm run bootstrap, as is the stand-in a synth writes for it; a bootstrapped bucket passes", () => {
    expect(() => assertStateBucketBootstrapped(placeholder)).toThrow(/^no state bucket yet: .*run npm run bootstrap[^\n]*$/);
    expect(() => assertStateBucketBootstrapped(UNBOOTSTRAPPED_BACKEND_BUCKET)).toThrow(/run npm run bootstrap/);
    expect(() => assertStateBucketBootstrapped("api-auth-cognito-state-123456789012-eu-west-1")).not.toThrow();
  });

  test("stops npm run plan -- <stage> --remote before Terraform starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "api-auth-cognito-placeholder-"));
    try {
      const stack = join(dir, "stack");
      mkdirSync(stack);
      writeFileSync(join(stack, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { s3: { bucket: placeholder, key: "k", region: "us-east-1" } } } }));
      await expect(planStack({ name: "api-auth-cognito-dev", dir: stack }, join(dir, "work"), join(dir, "plans"), true)).rejects.toThrow(/run npm run bootstrap/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
