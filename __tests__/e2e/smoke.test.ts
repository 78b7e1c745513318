import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { DevEnvironment, startDev } from "../../tools/local-api/dev-environment";
import { lambdaNodeMissing } from "../../tools/local-api/lambda-node";
import { LOCAL_OUTPUT_NAMES, writeOutputsFile } from "../../tools/local-api/outputs-file";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { motoMissing } from "../../tools/local-cloud/moto";
import { terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

const ROOT = join(__dirname, "..", "..");
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `npm run smoke`'s command, as npm runs it, in an environment without any AWS setting of this machine. */
async function smoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
  try {
    const { stdout, stderr } = await run(join(ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", "smoke.ts"), ...args], { cwd: ROOT, env: { ...env, ...extraEnv, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * `npm run smoke -- dev --outputs-file <file>` against `npm run dev` (the real Terraform, the local cloud, the local
 * API), on a copy of lambdas/ so that a handler can be broken: it passes on the stage as built, fails naming the step
 * when GET /private's handler throws, and deletes its throwaway user either way.
 */
describeWhen(terraformMissing() ?? motoMissing() ?? lambdaNodeMissing())("npm run smoke against the local cloud", () => {
  let scratch: string;
  let dev: DevEnvironment;
  let outputsFile: string;
  let idp: CognitoIdentityProviderClient;
  let reloads = 0;

  /** The users of the stage's user pool. */
  const users = async () => (await idp.send(new ListUsersCommand({ UserPoolId: dev.outputs.UserPoolId }))).Users ?? [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "smoke-"));
    cpSync(join(ROOT, "lambdas"), join(scratch, "lambdas"), { recursive: true });
    dev = await startDev({ workdir: join(scratch, "work"), sourceRoot: scratch, log: () => {}, onReload: () => reloads++ });
    // As `npm run dev -- --outputs-file` writes it.
    outputsFile = writeOutputsFile(join(scratch, "outputs.json"), dev.manifest.stack, { ...dev.outputs, [LOCAL_OUTPUT_NAMES.cloud]: dev.cloud.endpoint });
    idp = new CognitoIdentityProviderClient({ endpoint: dev.cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  }, 180_000);

  afterAll(async () => {
    idp?.destroy();
    await dev?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the deployed stage passes every step of the walkthrough, and the throwaway user is gone afterwards", async () => {
    const result = await smoke(["dev", "--outputs-file", outputsFile]);
    expect(result).toMatchObject({ code: 0, stdout: "api-auth-cognito-dev: smoke test passed, 6 steps\n" });
    const passed = result.stderr.split("\n").filter((line) => line.includes("passed: ")).map((line) => line.replace(/^.*passed: /, "").replace(/ \(.*$/, ""));
    expect(passed).toEqual([
      "create a throwaway user",
      "sign in",
      "get identity-pool credentials",
      "GET /public answers 200 Hello stranger!",
      "unsigned GET /private answers 403",
      "signed GET /private answers 200 Hello <identity id>!",
    ]);
    expect(result.stderr).toMatch(/passed: signed GET \/private answers 200 Hello <identity id>! \(200 Hello us-east-1:[0-9a-f-]{36}!\)/);
    expect(await users()).toEqual([]);
  }, 60_000);

  test("with GET /private's handler broken, it exits 1 naming the step and what it got, and still deletes the user", async () => {
    const file = join(scratch, "lambdas", "private.ts");
    const good = readFileSync(file, "utf8");
    const before = reloads;
    writeFileSync(file, good.replace("const caller = callerName(event);", 'throw new Error("broken on purpose");\n  const caller = callerName(event);'));
    try {
      for (let waited = 0; reloads === before && waited < 20_000; waited += 100) await sleep(100);
      expect(reloads).toBeGreaterThan(before);
      const result = await smoke(["dev", "--outputs-file", outputsFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n").pop()).toMatch(
        /^Error: smoke test of api-auth-cognito-dev failed at step "signed GET \/private answers 200 Hello <identity id>!": expected 200 Hello us-east-1:[0-9a-f-]{36}!, got 500 .* from GET http:\/\/127\.0\.0\.1:\d+\/private$/,
      );
      expect(result.stderr).toContain("passed: unsigned GET /private answers 403");
      expect(await users()).toEqual([]);
    } finally {
      writeFileSync(file, good);
    }
  }, 60_000);

  test("bad input: a missing outputs file, a file without the stage, the local cloud without a file, a bad stage name: one line each, exit 1", async () => {
    const missing = await smoke(["dev", "--outputs-file", join(scratch, "nope.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: outputs file ${join(scratch, "nope.json")} not found: write it with npx cdktf deploy api-auth-cognito-dev --outputs-file ${join(scratch, "nope.json")}, or npm run dev -- --outputs-file ${join(scratch, "nope.json")}\n`,
    );
    const other = await smoke(["prod", "--outputs-file", outputsFile]);
    expect(other).toMatchObject({ code: 1, stderr: `Error: outputs file ${outputsFile} has no outputs of api-auth-cognito-prod: it holds api-auth-cognito-dev\n` });
    const local = await smoke(["dev"], { API_AUTH_COGNITO_TARGET: "local" });
    expect(local).toMatchObject({
      code: 1,
      stderr: "Error: against the local cloud, the API is npm run dev's: run npm run dev -- dev --outputs-file outputs.json, then npm run smoke -- dev --outputs-file outputs.json\n",
    });
    const bad = await smoke(["Bad_Stage", "--outputs-file", outputsFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: invalid stage name "Bad_Stage": expected lowercase letters, digits and single hyphens, starting with a letter\n$/);
  }, 60_000);
});
