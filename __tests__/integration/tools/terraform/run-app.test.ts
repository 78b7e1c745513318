import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * tools/terraform/run-app.cjs, cdktf.json's app runner: bundles the entry from the sources as they are and runs it,
 * leaving nothing behind. Run here on small apps in a scratch project that shares this one's node_modules.
 */
const ROOT = join(__dirname, "..", "..", "..", "..");
const RUNNER = join(ROOT, "tools", "terraform", "run-app.cjs");

describe("run-app.cjs", () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "run-app-"));
    // The runner resolves esbuild from its own folder and the app's packages from the project's node_modules.
    writeFileSync(join(project, "package.json"), "{}");
    mkdirSync(join(project, "lib"));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  const run = (entry: string, ...args: string[]) => spawnSync(process.execPath, [RUNNER, entry, ...args], { cwd: project, encoding: "utf8" });
  const leftovers = () => (existsSync(join(project, ".tfwork", "app")) ? readdirSync(join(project, ".tfwork", "app")) : []);

  test("runs the TypeScript entry as it is now, with each file's own __dirname, and removes its bundle", () => {
    writeFileSync(join(project, "lib", "where.ts"), "export const libDir: string = __dirname;\n");
    writeFileSync(join(project, "app.ts"), 'import { libDir } from "./lib/where";\nconst own: string = __dirname;\nconsole.log(JSON.stringify({ own, libDir, main: require.main === module }));\n');
    const first = run("app.ts");
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toEqual({ own: project, libDir: join(project, "lib"), main: true });
    writeFileSync(join(project, "lib", "where.ts"), 'export const libDir: string = "edited";\n');
    expect(JSON.parse(run("app.ts").stdout).libDir).toBe("edited");
    expect(leftovers()).toEqual([]);
  });

  test("a bundle left by a run that was killed is removed by the next run; one of a run still going is kept", () => {
    const dir = join(project, ".tfwork", "app");
    mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
    writeFileSync(join(dir, `app-${gone}.cjs`), "");
    writeFileSync(join(dir, `app-${gone}.cjs.map`), "");
    writeFileSync(join(dir, `app-${process.pid}.cjs`), "");
    writeFileSync(join(project, "quiet.ts"), "export {};\n");
    expect(run("quiet.ts").status).toBe(0);
    expect(leftovers()).toEqual([`app-${process.pid}.cjs`]);
    rmSync(join(dir, `app-${process.pid}.cjs`));
  });

  test("passes the arguments after the entry to the app", () => {
    writeFileSync(join(project, "args.ts"), "console.log(JSON.stringify(process.argv.slice(2)));\n");
    expect(JSON.parse(run("args.ts", "--help", "dev").stdout)).toEqual(["--help", "dev"]);
  });

  test("a crash exits non-zero with a trace through the sources, not the bundle", () => {
    writeFileSync(join(project, "crash.ts"), 'function fail(): never {\n  throw new Error("boom");\n}\nfail();\n');
    const result = run("crash.ts");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Error: boom");
    expect(result.stderr).toContain(`${join(project, "crash.ts")}:2:`);
    expect(result.stderr).not.toContain(join(project, ".tfwork"));
    expect(leftovers()).toEqual([]);
  });

  test("a rejected promise the app leaves unhandled: the same, the trace through the sources, exit 1, nothing left", () => {
    writeFileSync(join(project, "later.ts"), 'async function later(): Promise<void> {\n  await Promise.resolve();\n  throw new Error("late boom");\n}\nvoid later();\n');
    const result = run("later.ts");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Error: late boom");
    expect(result.stderr).toContain(`${join(project, "later.ts")}:3:`);
    expect(result.stderr).not.toContain(join(project, ".tfwork"));
    expect(leftovers()).toEqual([]);
  });

  test("an error the app prints itself passes through once, with its exit code", () => {
    writeFileSync(join(project, "refuse.ts"), 'console.error("Error: unknown stage \\"nope\\"");\nprocess.exit(1);\n');
    const result = run("refuse.ts");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('Error: unknown stage "nope"\n');
  });

  test("a syntax error is one line per error, file:line:column: ERROR: text, and nothing runs", () => {
    writeFileSync(join(project, "broken.ts"), 'console.log("ran");\nconst x: number = ;\n');
    const result = run("broken.ts");
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe('broken.ts:2:19: ERROR: Unexpected ";"\n');
    expect(leftovers()).toEqual([]);
  });
});
