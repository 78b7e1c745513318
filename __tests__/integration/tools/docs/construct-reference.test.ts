import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { docsCommand } from "../../../../tools/bin/docs";
import { execute } from "../../../../tools/cli/command";
import { constructReference, REFERENCE_FILE, REGENERATE } from "../../../../tools/docs/construct-reference";

/** The construct library's docs: the generated reference is current, and every example of constructs/README.md compiles. */
const ROOT = join(__dirname, "..", "..", "..", "..");
const README = readFileSync(join(ROOT, "constructs", "README.md"), "utf8");

describe(REFERENCE_FILE, () => {
  test(`is what the TSDoc of constructs/ generates now (after changing TSDoc, run \`${REGENERATE}\`)`, () => {
    const committed = readFileSync(join(ROOT, REFERENCE_FILE), "utf8");
    // A plain boolean first, so the failure says what to do before the diff.
    expect({ current: committed === constructReference(ROOT), fix: REGENERATE }).toEqual({ current: true, fix: REGENERATE });
  });

  test("covers each construct: props with type, default and description; attributes; methods", () => {
    const reference = readFileSync(join(ROOT, REFERENCE_FILE), "utf8");
    for (const construct of ["CognitoAuth", "HttpApi", "NodejsFunction", "StateBucket"]) {
      expect(reference).toContain(`## ${construct}\n`);
      expect(reference).toContain(`### Props (\`${construct}Props\`)\n\n| name | type | default | description |`);
    }
    expect(reference).toContain("| `memorySize` | `number` | `256` | Memory for the function, in MiB, from 128 to 10240. |");
    expect(reference).toContain("| `namePrefix` | `string` | required |");
    expect(reference).toContain("| `unauthenticatedRole` | `IamRole \\| undefined` |");
    expect(reference).toContain("| `grantInvoke(role: InvokeGrantee, ...routeKeys: string[]): IamRolePolicy` |");
    expect(reference).toContain("### `HttpApiCors`");
  });

  test("is linked from constructs/README.md and shipped with the package", () => {
    expect(README).toContain(`](../${REFERENCE_FILE}`);
    const shipped: string[] = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files;
    expect(shipped.filter((entry) => REFERENCE_FILE === entry || REFERENCE_FILE.startsWith(`${entry}/`))).not.toEqual([]);
  });
});

describe("npm run docs", () => {
  let stdout: string[];
  let stderr: string[];
  beforeEach(() => {
    stdout = [];
    stderr = [];
    jest.spyOn(console, "log").mockImplementation((line: string) => void stdout.push(line));
    jest.spyOn(console, "error").mockImplementation((line: string) => void stderr.push(line));
  });
  afterEach(() => jest.restoreAllMocks());

  test("--check exits 0 while the committed reference is current, 1 with what to run when it is not", async () => {
    expect(await execute(docsCommand(ROOT), ["--check"])).toBe(0);
    expect(await execute(docsCommand(ROOT, () => "# changed TSDoc\n"), ["--check"])).toBe(1);
    expect(stderr).toEqual([`${REFERENCE_FILE} is out of date with the TSDoc of constructs/: run npm run docs`]);
  });
});

/** The ```ts blocks of constructs/README.md. */
function readmeExamples(): string[] {
  return [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

test("every ```ts example of constructs/README.md type-checks against the library (tsc --strict)", () => {
  const examples = readmeExamples();
  expect(examples.length).toBeGreaterThanOrEqual(8);
  // Each example is its own module, under __tests__/fixtures so that node_modules resolves as in a project.
  const dir = join(__dirname, "..", "..", "..", "fixtures", "readme-examples");
  const files = new Map(examples.map((text, i) => [join(dir, `example-${i + 1}.ts`), `${text}\nexport {};\n`]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    types: ["node"],
    // The examples import the package by name; here it is the library's source. (Not the root as baseUrl: there
    // `constructs` would resolve to the library's folder instead of the package.)
    baseUrl: dir,
    paths: { "api-auth-cognito/constructs": [join(ROOT, "constructs", "index.ts")] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.replace(`${ROOT}/`, "")}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  expect(errors).toEqual([]);
}, 60_000);
