import { join } from "node:path";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { quoted } from "../../constructs/validation";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { describeWhen, missing } from "../support/requires";
import { SharedDev, sharedDev } from "../support/shared";
import { smoke } from "../support/smoke-command";

/**
 * `npm run smoke -- dev --outputs-file <file>` against the run's shared `npm run dev` (the real Terraform, the local
 * cloud, the local API), with the outputs file dev wrote: it passes on the stage as built and deletes its throwaway
 * user; bad input is one line each. That it fails naming the step when GET /private's handler throws is proven on a
 * session whose handlers may be broken (dev-reload.test.ts).
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run smoke against the local cloud", () => {
  let dev: SharedDev;
  let idp: CognitoIdentityProviderClient;

  /** The throwaway users smoke made in the stage's user pool (the pool is shared with other files' users). */
  const smokeUsers = async () =>
    ((await idp.send(new ListUsersCommand({ UserPoolId: dev.outputs.UserPoolId }))).Users ?? []).filter((user) =>
      user.Attributes?.some((a) => a.Name === "email" && a.Value?.startsWith("smoke-")),
    );

  beforeAll(async () => {
    dev = await sharedDev();
    idp = new CognitoIdentityProviderClient({ endpoint: dev.cloudEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  }, 300_000);

  afterAll(() => idp?.destroy());

  test("the deployed stage passes every step of the walkthrough, and the throwaway user is gone afterwards", async () => {
    const result = await smoke(["dev", "--outputs-file", dev.outputsFile]);
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
    expect(result.stderr).toMatch(/passed: create a throwaway user \(smoke-[0-9a-f]+@example\.com\)/);
    expect(result.stderr).toMatch(/passed: signed GET \/private answers 200 Hello <identity id>! \(200 Hello us-east-1:[0-9a-f-]{36}!\)/);
    expect(await smokeUsers()).toEqual([]);
  }, 60_000);

  test("bad input: a missing outputs file, a file without the stage, the local cloud without a file, a bad stage name: one line each, exit 1", async () => {
    const nowhere = join(dev.outputsFile, "..", "nope.json");
    const missing = await smoke(["dev", "--outputs-file", nowhere]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: outputs file ${quoted(nowhere)} not found: write it with npx cdktf deploy api-auth-cognito-dev --outputs-file ${quoted(nowhere)}, or npm run dev -- --outputs-file ${quoted(nowhere)}\n`,
    );
    const other = await smoke(["prod", "--outputs-file", dev.outputsFile]);
    expect(other).toMatchObject({ code: 1, stderr: `Error: outputs file ${quoted(dev.outputsFile)} has no outputs of api-auth-cognito-prod: it holds "api-auth-cognito-dev"\n` });
    const local = await smoke(["dev"], { API_AUTH_COGNITO_TARGET: "local" });
    expect(local).toMatchObject({
      code: 1,
      stderr: "Error: against the local cloud, the API is npm run dev's: run npm run dev -- dev --outputs-file outputs.json, then npm run smoke -- dev --outputs-file outputs.json\n",
    });
    const bad = await smoke(["Bad_Stage", "--outputs-file", dev.outputsFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: invalid stage name "Bad_Stage": expected lowercase letters, digits and single hyphens, starting with a letter\n$/);
  }, 60_000);
});
