import { isBuiltin } from "node:module";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { App, Fn, TerraformStack, Testing } from "cdktf";
import { NodejsFunction, NodejsFunctionProps } from "../../../constructs/nodejs-function";
import { quoted, ValidationError } from "../../../constructs/validation";
import { bodyOf, policyStatements, ref, resourcesOf } from "../../support/synthesized";

const ENTRY = join(__dirname, "..", "..", "fixtures", "greet.ts");

/** Synthesizes one NodejsFunction and returns it with the stack's JSON. */
function synthFunction(props: Partial<NodejsFunctionProps> = {}): { fn: NodejsFunction; synth: string } {
  let fn!: NodejsFunction;
  const synth = Testing.synthScope((scope) => {
    fn = new NodejsFunction(scope, "Greet", { entry: ENTRY, handler: "greet", functionName: "app-dev-greet", ...props });
  });
  return { fn, synth };
}

describe("NodejsFunction defaults", () => {
  const { fn, synth } = synthFunction();
  const { logGroup, archive, logPolicy } = fn.resources;
  const role = fn.resources.role!;

  test("Node.js 22 on arm64 with 256 MiB and 10 s, running the named export of index.js", () => {
    expect(synth).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "app-dev-greet",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.greet",
      memory_size: 256,
      timeout: 10,
      role: ref(role, "arn"),
    });
  });

  test("the code is the archive's zip, and changes to it change the source code hash", () => {
    expect(synth).toHaveResourceWithProperties(LambdaFunction, {
      filename: ref(archive, "output_path"),
      source_code_hash: ref(archive, "output_base64sha256"),
    });
  });

  test("the archive zips the bundle directory by relative paths, never the build machine's", () => {
    const body = bodyOf(synth, archive);
    expect(body.type).toBe("zip");
    expect(body.source_dir).toMatch(/^assets\/Greet_Bundle_[0-9A-F]+\/[0-9A-F]+$/);
    expect(body.output_path).toBe(`${body.source_dir}.zip`);
    expect(isAbsolute(String(body.source_dir))).toBe(false);
    expect(synth).not.toContain(process.cwd());
    expect(synth).not.toContain(tmpdir());
  });

  test("every file in the zip has mode 0644, so its bytes and source_code_hash do not depend on the build machine's umask", () => {
    expect(synth).toHaveDataSourceWithProperties(DataArchiveFile, { output_file_mode: "0644" });
  });

  test("JSON logs to its own log group /aws/lambda/<name>, kept 14 days, created with its permission before the function", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/lambda/app-dev-greet", retention_in_days: 14 });
    const body = bodyOf(synth, fn.resources.function);
    // The reference to the log group's name orders the log group first; depends_on orders the log permission.
    expect(body.logging_config).toEqual({ log_format: "JSON", log_group: ref(logGroup, "name") });
    expect(body.depends_on).toEqual([`aws_iam_role_policy.${logPolicy.friendlyUniqueId}`]);
  });

  test("its role is assumable by Lambda only, and named like the function", () => {
    const body = bodyOf(synth, role);
    expect(body.name).toBe("app-dev-greet");
    expect(policyStatements(synth, body.assume_role_policy)).toEqual([
      { effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] },
    ]);
  });

  test("its role may write to its own log group and nothing else", () => {
    const body = bodyOf(synth, logPolicy);
    expect(body.role).toBe(ref(role, "name"));
    expect(body.name).toBe("write-logs-app-dev-greet");
    expect(policyStatements(synth, body.policy)).toEqual([
      { effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${ref(logGroup, "arn")}:*`] },
    ]);
    expect(synth).not.toContain("managed_policy_arns");
    expect(synth).not.toContain("aws_iam_role_policy_attachment");
  });

  test("no environment block unless variables are given", () => {
    expect(bodyOf(synth, fn.resources.function).environment).toBeUndefined();
  });

  test("no X-Ray tracing, so the role needs no permission on Resource *", () => {
    expect(bodyOf(synth, fn.resources.function).tracing_config).toBeUndefined();
    expect(synth).not.toContain("xray:");
  });
});

describe("NodejsFunction bundle", () => {
  let outdir: string;
  let bundleDir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "nodejs-function-test-"));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, "stack");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    new ArchiveProvider(stack, "archive");
    const fn = new NodejsFunction(stack, "Greet", { entry: ENTRY, handler: "greet", functionName: "greet" });
    app.synth();
    bundleDir = join(outdir, "stacks", "stack", fn.resources.asset.path);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("synth copies one minified index.js and its source map into the stack's assets", () => {
    expect(readdirSync(bundleDir).sort()).toEqual(["index.js", "index.js.map"]);
    const code = readFileSync(join(bundleDir, "index.js"), "utf8");
    expect(code.split("\n").filter(Boolean)).toEqual([expect.any(String), "//# sourceMappingURL=index.js.map"]);
    expect(code).not.toContain("import ");
  });

  test("the bundle holds the handler's imports: it runs with nothing to require but Node's own modules", async () => {
    const bundled = { exports: {} as { greet?: (event: { name: string }) => Promise<string> } };
    const nodeOnly = (name: string) => {
      if (!isBuiltin(name)) throw new Error(`the bundle requires ${name}`);
      return require(name);
    };
    new Function("module", "exports", "require", readFileSync(join(bundleDir, "index.js"), "utf8"))(bundled, bundled.exports, nodeOnly);
    expect(await bundled.exports.greet!({ name: "Ada" })).toBe("Hi Ada");
  });

  test("the bundle path follows the code: the same for the same code, new for changed code", () => {
    const path = (props: Partial<NodejsFunctionProps> = {}) => synthFunction(props).fn.resources.asset.path;
    expect(path()).toBe(path());
    expect(path({ entry: join(__dirname, "..", "..", "..", "lambdas", "public.ts"), handler: "handler" })).not.toBe(path());
  });
});

describe("NodejsFunction options", () => {
  test("memory, timeout, architecture, environment and log retention", () => {
    const { synth } = synthFunction({
      memorySize: 1024,
      timeout: 30,
      architecture: "x86_64",
      environment: { STAGE: "dev" },
      logRetentionInDays: 365,
    });
    expect(synth).toHaveResourceWithProperties(LambdaFunction, {
      memory_size: 1024,
      timeout: 30,
      architectures: ["x86_64"],
      environment: { variables: { STAGE: "dev" } },
    });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 365 });
  });

  test("tracing turns on active X-Ray tracing and adds X-Ray's write actions, which accept only Resource *", () => {
    const { fn, synth } = synthFunction({ tracing: true });
    expect(bodyOf(synth, fn.resources.function).tracing_config).toEqual({ mode: "Active" });
    expect(policyStatements(synth, bodyOf(synth, fn.resources.logPolicy).policy)[1]).toEqual({
      effect: "Allow",
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      resources: ["*"],
    });
  });

  test("the handler export defaults to handler", () => {
    const { synth } = synthFunction({ entry: join(__dirname, "..", "..", "..", "lambdas", "public.ts"), handler: undefined });
    expect(synth).toHaveResourceWithProperties(LambdaFunction, { handler: "index.handler" });
    expect(synth).toHaveDataSource(DataArchiveFile);
  });
});

describe("NodejsFunction escape hatches", () => {
  test("an existing role: no new role; the function runs as it, and it gets the log-writing policy", () => {
    let existing!: IamRole;
    let fn!: NodejsFunction;
    const synth = Testing.synthScope((scope) => {
      existing = new IamRole(scope, "PlatformRole", { name: "platform-lambda", assumeRolePolicy: "{}" });
      fn = new NodejsFunction(scope, "Greet", { entry: ENTRY, handler: "greet", functionName: "app-dev-greet", role: existing });
    });
    expect(fn.resources.role).toBeUndefined();
    expect(Object.keys(resourcesOf(synth, "aws_iam_role"))).toEqual([existing.friendlyUniqueId]);
    expect(bodyOf(synth, fn.resources.function).role).toBe(ref(existing, "arn"));
    expect(bodyOf(synth, fn.resources.logPolicy).role).toBe(ref(existing, "name"));
  });

  test("roleName names the new role (one per region of an account), created before an old one is destroyed", () => {
    const { fn, synth } = synthFunction({ roleName: "app-dev-euw1-greet" });
    expect(bodyOf(synth, fn.resources.role!)).toMatchObject({ name: "app-dev-euw1-greet", lifecycle: { create_before_destroy: true } });
    expect(bodyOf(synth, fn.resources.function).function_name).toBe("app-dev-greet");
    expect(() => synthFunction({ roleName: "has space" })).toThrow('invalid role name "has space": expected 1 to 64 characters of letters, digits and +=,.@_-');
    expect(() => synthFunction({ roleName: "mine", role: { arn: "arn:aws:iam::123456789012:role/shared", name: "shared" } })).toThrow(
      'roleName "mine" names a new role: with role "shared", the function runs as that role',
    );
  });

  test("an existing role given by ARN and name", () => {
    const { fn, synth } = synthFunction({ role: { arn: "arn:aws:iam::123456789012:role/shared", name: "shared" } });
    expect(bodyOf(synth, fn.resources.function).role).toBe("arn:aws:iam::123456789012:role/shared");
    expect(bodyOf(synth, fn.resources.logPolicy)).toMatchObject({ role: "shared", name: "write-logs-app-dev-greet" });
  });

  test("cdk.function settings the construct does not derive pass through", () => {
    const { fn, synth } = synthFunction({ cdk: { function: { description: "greets", reservedConcurrentExecutions: 5, ephemeralStorage: { size: 1024 } } } });
    expect(bodyOf(synth, fn.resources.function)).toMatchObject({
      description: "greets",
      reserved_concurrent_executions: 5,
      ephemeral_storage: { size: 1024 },
      memory_size: 256,
      runtime: "nodejs22.x",
    });
  });

  test.each([
    ["functionName", "other", "functionName"],
    ["role", "arn:aws:iam::123456789012:role/other", "role"],
    ["handler", "index.other", "handler"],
    ["memorySize", 512, "memorySize"],
    ["timeout", 60, "timeout"],
    ["architectures", ["x86_64"], "architecture"],
    ["environment", { variables: { A: "1" } }, "environment"],
    ["tracingConfig", { mode: "Active" }, "tracing"],
    ["loggingConfig", { logFormat: "Text" }, "functionName and logRetentionInDays"],
    ["filename", "other.zip", "entry"],
    ["sourceCodeHash", "abc", "entry"],
    ["s3Bucket", "code", "entry"],
    ["s3Key", "code.zip", "entry"],
    ["s3ObjectVersion", "1", "entry"],
    ["imageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:latest", "entry"],
    ["packageType", "Image", "entry"],
    ["runtime", "nodejs24.x", "runtime"],
  ])("refuses cdk.function.%s, naming the prop to set instead", (key, value, prop) => {
    const run = () => synthFunction({ cdk: { function: { [key]: value } } });
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(`cannot set cdk.function.${key}: the construct derives it from ${prop}; set ${prop} instead`);
  });

});

describe("NodejsFunction runtime", () => {
  // The unit-aws6 and unit-cdktn projects run this file on provider 6's bindings (jest.config.js), which accept nodejs24.x.
  const bindings = (globalThis as { bindings?: string }).bindings ?? "today";

  test("the bindings' provider version is read from the function itself", () => {
    const version = synthFunction().fn.resources.function.terraformGeneratorMetadata?.providerVersion;
    expect(version).toBe({ today: "5.100.0", aws6: "6.25.0", cdktn: "6.66.0" }[bindings]);
  });

  if (bindings === "today") {
    test("nodejs24.x is refused at synth with one line naming the provider version that can create it", () => {
      const run = () => synthFunction({ runtime: "nodejs24.x" });
      expect(run).toThrow(ValidationError);
      expect(run).toThrow(
        'runtime "nodejs24.x" needs hashicorp/aws 6.19.0 or newer, and these bindings are for 5.100.0: move to provider 6\'s bindings first (MIGRATING.md, "Node.js 22 on Lambda ends"), or keep nodejs22.x',
      );
    });
  } else {
    test("nodejs24.x is what the function runs on", () => {
      const { fn, synth } = synthFunction({ runtime: "nodejs24.x" });
      expect(bodyOf(synth, fn.resources.function).runtime).toBe("nodejs24.x");
    });
  }

  test("nodejs22.x explicitly is the default", () => {
    const { fn, synth } = synthFunction({ runtime: "nodejs22.x" });
    expect(bodyOf(synth, fn.resources.function).runtime).toBe("nodejs22.x");
    expect(bodyOf(synth, fn.resources.function).source_code_hash).toEqual(bodyOf(synthFunction().synth, synthFunction().fn.resources.function).source_code_hash);
  });

  test.each(["nodejs20.x", "python3.12", "nodejs24.x\u001b[31m"])("refuses the runtime %j, naming those it takes", (runtime) => {
    expect(() => synthFunction({ runtime: runtime as never })).toThrow(`invalid runtime ${quoted(runtime)}: expected one of nodejs22.x, nodejs24.x`);
    expect(quoted(runtime)).not.toContain("\u001b");
  });
});

describe("NodejsFunction validation", () => {
  test.each([
    ["a missing handler file", { entry: "lambdas/missing.ts" }, /handler file "lambdas\/missing.ts" not found/],
    ["memory below 128 MiB", { memorySize: 127 }, /invalid memory size \(MiB\) 127: expected a whole number from 128 to 10240/],
    ["memory above 10240 MiB", { memorySize: 10241 }, /invalid memory size \(MiB\) 10241/],
    ["fractional memory", { memorySize: 256.5 }, /invalid memory size \(MiB\) 256.5/],
    ["a zero timeout", { timeout: 0 }, /invalid timeout \(seconds\) 0: expected a whole number from 1 to 900/],
    ["a timeout above 15 minutes", { timeout: 901 }, /invalid timeout \(seconds\) 901/],
    ["a retention CloudWatch does not offer", { logRetentionInDays: 13 }, /invalid log retention \(days\) 13: expected one of 1, 3, 5, 7, 14/],
    ["a function name with a dot", { functionName: "app.greet" }, /invalid function name "app.greet": expected 1 to 64 characters/],
    ["a function name over 64 characters", { functionName: "f".repeat(65) }, /invalid function name "f{65}"/],
    ["a handler that is not an identifier", { handler: "index.greet" }, /invalid handler "index.greet"/],
    ["an unknown architecture", { architecture: "arm" as never }, /invalid architecture "arm": expected one of arm64, x86_64/],
  ])("rejects %s", (_what, props, message) => {
    expect(() => synthFunction(props)).toThrow(message);
  });

  test("a handler that does not compile: one error naming the file, line and problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "broken-handler-"));
    const entry = join(dir, "broken.ts");
    writeFileSync(entry, "export const handler = async () => {\n  return { statusCode: 200 ;\n};\n");
    try {
      expect(() => synthFunction({ entry, handler: "handler" })).toThrow(
        new RegExp(`^cannot bundle handler file "${entry}": .*broken\\.ts:2:\\d+: Expected "}" but found ";"$`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing handler file writes no bundle", () => {
    const before = existsSync(join(tmpdir(), "api-auth-cognito-bundles"))
      ? readdirSync(join(tmpdir(), "api-auth-cognito-bundles")).length
      : 0;
    expect(() => synthFunction({ entry: "lambdas/missing.ts" })).toThrow();
    const after = existsSync(join(tmpdir(), "api-auth-cognito-bundles"))
      ? readdirSync(join(tmpdir(), "api-auth-cognito-bundles")).length
      : 0;
    expect(after).toBe(before);
  });
});

describe("NodejsFunction permissionsBoundary", () => {
  const BOUNDARY = "arn:aws:iam::123456789012:policy/api-auth-cognito-ci-boundary";

  test("defaults to none: the role has no permissions boundary", () => {
    const { fn, synth } = synthFunction();
    expect(bodyOf(synth, fn.resources.role!).permissions_boundary).toBeUndefined();
  });

  test("bounds the new role", () => {
    const { fn, synth } = synthFunction({ permissionsBoundary: BOUNDARY });
    expect(bodyOf(synth, fn.resources.role!).permissions_boundary).toBe(BOUNDARY);
  });

  test("a token passes unchecked", () => {
    const { fn, synth } = synthFunction({ permissionsBoundary: Fn.join("", ["not-an-arn:", "policy/b"]) });
    expect(bodyOf(synth, fn.resources.role!).permissions_boundary).toContain("policy/b");
  });

  test("refuses anything but an IAM policy ARN, with one line", () => {
    expect(() => synthFunction({ permissionsBoundary: "arn:aws:iam::123456789012:role/x" })).toThrow(
      /^invalid permissions boundary "arn:aws:iam::123456789012:role\/x": expected an IAM policy ARN/,
    );
    expect(() => synthFunction({ permissionsBoundary: "boundary" })).toThrow(ValidationError);
  });

  test("is refused with an existing role, whose boundary is set where it is defined", () => {
    expect(() => synthFunction({ permissionsBoundary: BOUNDARY, role: { arn: "arn:aws:iam::123456789012:role/shared", name: "shared" } })).toThrow(
      /^permissionsBoundary ".*" bounds a new role: with role "shared", set the boundary where that role is defined$/,
    );
  });
});
