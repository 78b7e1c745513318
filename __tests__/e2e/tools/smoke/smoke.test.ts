import { join } from "node:path";
import { CreateIdentityPoolCommand, DeleteIdentityPoolCommand, GetIdentityPoolRolesCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { quoted } from "../../../../constructs/validation";
import { writeOutputsFile } from "../../../../tools/dev/outputs-file";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { LocalClients, localClients } from "../../../support/local-clients";
import { describeWhen, missing } from "../../../support/requires";
import { SharedDev, sharedDev } from "../../../support/shared";
import { smoke } from "../../../support/smoke-command";
import { ownFolder } from "../../../support/test-run";

/**
 * `npm run smoke -- dev --outputs-file <file>` against the run's shared `npm run dev` (the real Terraform, the local
 * cloud, the local API), with the outputs file dev wrote: it passes on the stage as built and deletes its throwaway
 * user; bad input is one line each. That it fails naming the step when GET /private's handler throws is proven on a
 * session whose handlers may be broken (dev-reload.test.ts).
 *
 * Eventual consistency, made for real on the local cloud without touching the shared stage: the stage's user pool and
 * API with an identity pool of the test's own, first without roles (GetCredentialsForIdentity answers
 * InvalidIdentityPoolConfigurationException), then with a role of its own that has no grant yet (the signed GET
 * /private answers 403). The test ends the fault when the first retry line appears; the smoke test then passes.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run smoke against the local cloud", () => {
  let dev: SharedDev;
  let idp: CognitoIdentityProviderClient;
  let clients: LocalClients;

  /** The throwaway users smoke made in the stage's user pool (the pool is shared with other files' users). */
  const smokeUsers = async () =>
    ((await idp.send(new ListUsersCommand({ UserPoolId: dev.outputs.UserPoolId }))).Users ?? []).filter((user) =>
      user.Attributes?.some((a) => a.Name === "email" && a.Value?.startsWith("smoke-")),
    );

  beforeAll(async () => {
    dev = await sharedDev();
    idp = new CognitoIdentityProviderClient({ endpoint: dev.cloudEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    clients = localClients(dev.cloudEndpoint);
  }, 300_000);

  afterAll(() => {
    idp?.destroy();
    clients?.destroy();
  });

  /** A new identity pool of the stage's user pool and client, without roles, named after `name`; deleted by `using`'s end. */
  async function withOwnIdentityPool(name: string, using: (identityPoolId: string) => Promise<void>): Promise<void> {
    const { IdentityPoolId } = await clients.identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: `${name}_${process.pid}_${Date.now()}`,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${LOCAL_REGION}.amazonaws.com/${dev.outputs.UserPoolId}`, ClientId: dev.outputs.UserPoolClientId }],
      }),
    );
    try {
      await using(IdentityPoolId!);
    } finally {
      await clients.identity.send(new DeleteIdentityPoolCommand({ IdentityPoolId }));
    }
  }

  /** The dev stage's outputs with another identity pool, in a file of the test's own. */
  const outputsWith = (identityPoolId: string) =>
    writeOutputsFile(join(ownFolder("smoke-retry"), "outputs.json"), "api-auth-cognito-dev", { ...dev.outputs, IdentityPoolId: identityPoolId });

  /** The smoke test's retry lines. */
  const retryLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("smoke: "));

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

  test("GetCredentialsForIdentity answers InvalidIdentityPoolConfigurationException while the pool has no role: the step retries, says so, and passes once the role is attached", async () => {
    await withOwnIdentityPool("smoke_no_roles", async (identityPoolId) => {
      const { Roles } = await clients.identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: dev.outputs.IdentityPoolId }));
      let attached: Promise<unknown> | undefined;
      const result = await smoke(["dev", "--outputs-file", outputsWith(identityPoolId), "--retry-for", "60"], {}, (line) => {
        if (line.startsWith("smoke: ")) attached ??= clients.identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: Roles!.authenticated! } }));
      });
      await attached;
      expect(result).toMatchObject({ code: 0, stdout: "api-auth-cognito-dev: smoke test passed, 6 steps\n" });
      const retries = retryLines(result.stderr);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      for (const line of retries) {
        expect(line).toMatch(
          /^smoke: "get identity-pool credentials" got InvalidIdentityPoolConfigurationException, which AWS gives while the identity pool's authenticated role \(its trust policy\) propagates; retrying in \d+(\.\d)? s \(\d+(\.\d)? s left\)$/,
        );
      }
      expect(result.stderr).toContain("passed: get identity-pool credentials");
    });
  }, 120_000);

  test("a signed GET /private answers 403 while the role's grant propagates: the step retries, says so, and passes once the grant is there", async () => {
    await withOwnIdentityPool("smoke_no_grant", async (identityPoolId) => {
      const { Roles } = await clients.identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: dev.outputs.IdentityPoolId }));
      const stageRole = Roles!.authenticated!.split("/").pop()!;
      const roleName = `smoke-no-grant-${process.pid}-${Date.now()}`;
      const trust = {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: "cognito-identity.amazonaws.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { "cognito-identity.amazonaws.com:aud": identityPoolId }, "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" } },
          },
        ],
      };
      const { Role } = await clients.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      const copied: string[] = [];
      try {
        await clients.identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: Role!.Arn! } }));
        /** Gives the test's role the stage role's inline policies, its grant of execute-api:Invoke among them. */
        const grant = async () => {
          for (const PolicyName of (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: stageRole }))).PolicyNames ?? []) {
            const { PolicyDocument } = await clients.iam.send(new GetRolePolicyCommand({ RoleName: stageRole, PolicyName }));
            await clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName, PolicyDocument: decodeURIComponent(PolicyDocument!) }));
            copied.push(PolicyName);
          }
        };
        let granted: Promise<void> | undefined;
        const result = await smoke(["dev", "--outputs-file", outputsWith(identityPoolId), "--retry-for", "60"], {}, (line) => {
          if (line.startsWith("smoke: ")) granted ??= grant();
        });
        await granted;
        expect(copied.length).toBeGreaterThan(0);
        expect(result).toMatchObject({ code: 0, stdout: "api-auth-cognito-dev: smoke test passed, 6 steps\n" });
        const retries = retryLines(result.stderr);
        expect(retries.length).toBeGreaterThanOrEqual(1);
        for (const line of retries) {
          expect(line).toMatch(
            /^smoke: "signed GET \/private answers 200 Hello <identity id>!" got HTTP 403, which AWS gives while the authenticated role's execute-api:Invoke policy propagates; retrying in \d+(\.\d)? s \(\d+(\.\d)? s left\)$/,
          );
        }
        expect(result.stderr).toContain("passed: unsigned GET /private answers 403");
      } finally {
        for (const PolicyName of copied) await clients.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName }));
        await clients.iam.send(new DeleteRoleCommand({ RoleName: roleName }));
      }
    });
  }, 120_000);

  test("a 403 to a signed call that persists fails once the window is over, naming the step and the last error in one line", async () => {
    await withOwnIdentityPool("smoke_never_granted", async (identityPoolId) => {
      const roleName = `smoke-never-granted-${process.pid}-${Date.now()}`;
      const { Role } = await clients.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }));
      try {
        await clients.identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: Role!.Arn! } }));
        const result = await smoke(["dev", "--outputs-file", outputsWith(identityPoolId), "--retry-for", "3"]);
        expect(result.code).toBe(1);
        expect(retryLines(result.stderr).length).toBeGreaterThanOrEqual(1);
        expect(result.stderr.trim().split("\n").pop()).toMatch(
          /^Error: smoke test of api-auth-cognito-dev failed at step "signed GET \/private answers 200 Hello <identity id>!": expected 200 Hello us-east-1:[0-9a-f-]{36}!, got 403 .* from GET http:\/\/127\.0\.0\.1:\d+\/private \(still, after \d+(\.\d)? s of retries\)$/,
        );
        expect(await smokeUsers()).toEqual([]);
      } finally {
        await clients.iam.send(new DeleteRoleCommand({ RoleName: roleName }));
      }
    });
  }, 60_000);
});
