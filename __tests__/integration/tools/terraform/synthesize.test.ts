import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stageStack, synthesize } from "../../../../tools/terraform/synthesize";

/** How the tools synthesize: only the stages they need, into a folder of their own, from a clean slate. */
describe("synthesize", () => {
  let outdir: string;
  beforeAll(() => {
    outdir = join(mkdtempSync(join(tmpdir(), "synthesize-")), "out");
    // What an earlier synth may have left: another stage, and the other format beside cdk.tf.json.
    mkdirSync(join(outdir, "stacks", "api-auth-cognito-qa"), { recursive: true });
    writeFileSync(join(outdir, "stacks", "api-auth-cognito-qa", "cdk.tf.json"), "{}");
  });
  afterAll(() => rmSync(join(outdir, ".."), { recursive: true, force: true }));

  test("synthesizes only the stages asked for, lists only what this synth wrote, and leaves nothing of an earlier one", () => {
    const stacks = synthesize(outdir, { stages: ["prod"] });
    expect(stacks.map((s) => s.name)).toEqual(["api-auth-cognito-prod", "api-auth-cognito-state"]);
    expect(existsSync(join(outdir, "stacks", "api-auth-cognito-qa"))).toBe(false);
    expect(existsSync(join(outdir, "stacks", "api-auth-cognito-dev"))).toBe(false);
    const prod = stageStack(stacks, "prod");
    expect(prod.manifest.stack).toBe("api-auth-cognito-prod");
    expect(() => stageStack(stacks, "dev")).toThrow('the synth wrote no stack for stage "dev"');
  });

  test("refuses an invalid stage name before running the app, with the one stage message", () => {
    expect(() => synthesize(outdir, { stages: ["QA"] })).toThrow('invalid stage name "QA": expected lowercase letters, digits and single hyphens, starting with a letter');
  });
});
