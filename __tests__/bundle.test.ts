import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleHandler, bundleHandlerWithInputs } from "../constructs/bundle";

const ROOT = join(__dirname, "..");

describe("bundleHandler's source map", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "bundle-test-"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("a separate index.js.map, linked from index.js, naming the sources relative to the project root without their text", () => {
    const dir = bundleHandler("lambdas/private.ts");
    expect(readFileSync(join(dir, "index.js"), "utf8").trimEnd().endsWith("\n//# sourceMappingURL=index.js.map")).toBe(true);
    const map = JSON.parse(readFileSync(join(dir, "index.js.map"), "utf8"));
    expect(map.sources.sort()).toEqual(["lambdas/log.ts", "lambdas/private.ts"]);
    expect(map.sourcesContent).toBeUndefined();
    expect(JSON.stringify(map)).not.toContain(ROOT);
  });

  test("the same sources in another checkout give the same bundle, so source_code_hash is the same on every machine", () => {
    const elsewhere = join(scratch, "elsewhere");
    // A checkout: the handlers and the tsconfig.json esbuild reads ("strict" makes it emit "use strict").
    cpSync(join(ROOT, "lambdas"), join(elsewhere, "lambdas"), { recursive: true });
    cpSync(join(ROOT, "tsconfig.json"), join(elsewhere, "tsconfig.json"));
    const here = bundleHandlerWithInputs("lambdas/public.ts");
    const there = bundleHandlerWithInputs("lambdas/public.ts", { root: elsewhere });
    expect(there.hash).toBe(here.hash);
    expect(there.dir).toBe(here.dir);
  });

  test("the inputs are the absolute paths of the entry and what it imports", () => {
    expect([...bundleHandlerWithInputs("lambdas/public.ts").inputs].sort()).toEqual([join(ROOT, "lambdas/log.ts"), join(ROOT, "lambdas/public.ts")]);
  });

  test("with --enable-source-maps, a thrown error's stack names the TypeScript file and line", () => {
    const project = join(scratch, "project");
    cpSync(join(ROOT, "lambdas"), join(project, "lambdas"), { recursive: true });
    const file = join(project, "lambdas", "public.ts");
    const source = readFileSync(file, "utf8").replace('log("info", "greeted a stranger", context, event);', 'throw new Error("broken on purpose");');
    writeFileSync(file, source);
    const line = source.split("\n").findIndex((l) => l.includes("broken on purpose")) + 1;
    const { dir } = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
    const script = `require(${JSON.stringify(join(dir, "index.js"))}).handler().catch((e) => process.stdout.write(e.stack))`;
    const mapped = execFileSync(process.execPath, ["--enable-source-maps", "-e", script], { encoding: "utf8" });
    expect(mapped).toContain(`${join(dir, "lambdas", "public.ts")}:${line}:`);
    // Without the flag, Node reads no map: the stack names the bundle.
    const plain = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" }).stdout;
    expect(plain).toContain(`${join(dir, "index.js")}:1:`);
  });
});
