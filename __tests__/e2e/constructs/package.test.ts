import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { CognitoIdentityPool } from "@cdktf/provider-aws/lib/cognito-identity-pool";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { referencedStatements, roleId, SynthesizedStack } from "../../../tools/terraform/synthesized-policies";
import { cliConfigFile } from "../../../tools/terraform/terraform";
import { validateStack } from "../../../tools/terraform/validate";
import { describeWhen, missing } from "../../support/requires";
import { ownFolder } from "../../support/test-run";

const ROOT = join(__dirname, "..", "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const PEERS = ["cdktf", "constructs", "@cdktf/provider-aws", "@cdktf/provider-archive"];

/**
 * The construct library as another team gets it: `npm pack`, installed into a scratch project with its peers,
 * a different app written against it (__tests__/fixtures/consumer), type-checked, synthesized, checked with the
 * Testing matchers and by the real `terraform validate`.
 */
describeWhen(missing("terraform"))("the packaged construct library in another project", () => {
  let scratch: string;
  let files: string[];
  let synth: string;

  beforeAll(() => {
    scratch = ownFolder("package");
    execFileSync("npm", ["pack", "--pack-destination", scratch], { cwd: ROOT, stdio: "pipe" });
    const tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith(".tgz"))!);
    files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n");

    const consumer = join(scratch, "consumer");
    cpSync(join(__dirname, "..", "..", "fixtures", "consumer"), consumer, { recursive: true });
    const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const pinned = Object.fromEntries(PEERS.map((name) => [name, own.devDependencies[name]]));
    const dependencies = { "api-auth-cognito": `file:${tarball}`, ...pinned, "@types/node": own.devDependencies["@types/node"] };
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "notes-consumer", private: true, dependencies }, null, 2));
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: consumer, stdio: "pipe" });

    // The stock cdktf template's compiler settings (legacy "node" resolution, through typesVersions) and node16
    // (through the "exports" map) both find the package's types.
    for (const config of ["tsconfig.json", "tsconfig.node16.json"]) {
      const typecheck = spawnSync(join(BIN, "tsc"), ["-p", join(consumer, config)], { encoding: "utf8" });
      if (typecheck.status !== 0) throw new Error(`the consumer app does not type-check with ${config}:\n${typecheck.stdout}`);
    }
    const run = spawnSync(join(BIN, "tsx"), ["main.ts"], { cwd: consumer, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: join(consumer, "cdktf.out") } });
    if (run.status !== 0) throw new Error(`the consumer app failed to synthesize:\n${run.stderr}`);
    synth = readFileSync(join(consumer, "cdktf.out", "stacks", "notes-test", "cdk.tf.json"), "utf8");
    cliConfigFile();
  }, 180_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("the tarball holds the compiled library, its types and docs (the README is a map of the docs pages), and nothing else", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "package/package.json",
        "package/dist/constructs/index.js",
        "package/dist/constructs/index.d.ts",
        "package/dist/constructs/http-api.d.ts",
        "package/constructs/README.md",
        "package/docs/constructs-reference.md",
        "package/docs/local-development.md",
        "package/CHANGELOG.md",
        "package/MIGRATING.md",
        "package/README.md",
        "package/LICENSE",
      ]),
    );
    const allowed = /^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|MIGRATING\.md|SECURITY\.md|constructs\/README\.md|docs\/[\w-]+\.md|dist\/constructs\/[\w-]+\.(js|d\.ts))$/;
    expect(files.filter((file) => !allowed.test(file))).toEqual([]);
  });

  test("cdktf, constructs and the providers are peer dependencies; esbuild, which bundles handlers, a dependency", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([...PEERS].sort());
    expect(Object.keys(manifest.dependencies)).toEqual(["esbuild"]);
    expect(manifest.exports["./constructs"]).toEqual({ types: "./dist/constructs/index.d.ts", default: "./dist/constructs/index.js" });
  });

  test("its routes: AWS_IAM by default, the health check open", () => {
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "POST /notes", authorization_type: "AWS_IAM" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /notes/{id}", authorization_type: "AWS_IAM" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /health", authorization_type: "NONE" });
    expect(synth).toHaveResourceWithProperties(LambdaFunction, { function_name: "notes-test-notes", runtime: "nodejs22.x" });
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPool, { allow_unauthenticated_identities: true });
  });

  test("signed-in users may create and read notes; guests may only read one, its path parameter a wildcard", () => {
    const config = JSON.parse(synth) as SynthesizedStack;
    const invokeResources = (roleName: string) => {
      const [role] = Object.entries(config.resource?.aws_iam_role ?? {}).find(([, r]) => r.name === roleName)!;
      const policy = Object.values(config.resource?.aws_iam_role_policy ?? {}).find((p) => roleId(p.role, ["id"]) === role)!;
      return referencedStatements(config, policy.policy)!.flatMap((s) => s.resources ?? []).map((arn) => arn.replace(/^\$\{[^}]+\}/, "<api>"));
    };
    expect(invokeResources("notes-test-authenticated")).toEqual(["<api>/*/POST/notes", "<api>/*/GET/notes/*"]);
    expect(invokeResources("notes-test-unauthenticated")).toEqual(["<api>/*/GET/notes/*"]);
  });

  test("the real terraform validate accepts it", async () => {
    const result = await validateStack({ name: "notes-test", dir: join(scratch, "consumer", "cdktf.out", "stacks", "notes-test") }, "json", join(scratch, "validate"));
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.valid).toBe(true);
  }, 60_000);
});
