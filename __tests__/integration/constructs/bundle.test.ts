import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_CACHE_DAYS, bundleHandler, bundleHandlerWithInputs } from "../../../constructs/bundle";

const ROOT = join(__dirname, "..", "..", "..");

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

describe("bundleHandler's reuse and its temp cache", () => {
  let scratch: string;
  let project: string;
  // The cache is the real one: os.tmpdir() reads the runner's environment, which a test's process.env does not change.
  const cache = join(tmpdir(), "api-auth-cognito-bundles");
  const planted = [`stale-test-${process.pid}`, `recent-test-${process.pid}`];
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "bundle-cache-test-"));
    project = join(scratch, "project");
    cpSync(join(ROOT, "lambdas"), join(project, "lambdas"), { recursive: true });
    cpSync(join(ROOT, "tsconfig.json"), join(project, "tsconfig.json"));
  });
  afterAll(() => {
    for (const name of planted) rmSync(join(cache, name), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000);

  test("unchanged sources: the same build, not a second one, in the same process", () => {
    const first = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
    expect(bundleHandlerWithInputs("lambdas/public.ts", { root: project })).toBe(first);
  });

  test("a changed import, or a changed tsconfig.json, builds again; the old content gives the old bundle", () => {
    const first = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
    const log = join(project, "lambdas", "log.ts");
    const source = readFileSync(log, "utf8");
    writeFileSync(log, `${source}\nexport const changed = 1;\n`);
    const changed = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
    expect(changed.hash).not.toBe(first.hash);
    writeFileSync(log, source);
    expect(bundleHandlerWithInputs("lambdas/public.ts", { root: project }).hash).toBe(first.hash);

    const tsconfig = join(project, "tsconfig.json");
    const config = readFileSync(tsconfig, "utf8");
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { strict: false, alwaysStrict: false } }));
    try {
      const loose = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
      expect(loose.hash).not.toBe(first.hash);
      expect(readFileSync(join(loose.dir, "index.js"), "utf8")).not.toContain("use strict");
    } finally {
      writeFileSync(tsconfig, config);
    }
    expect(bundleHandlerWithInputs("lambdas/public.ts", { root: project }).hash).toBe(first.hash);
  });

  test(`a new bundle removes those unused for ${BUNDLE_CACHE_DAYS} days and keeps the rest; a reuse renews a bundle`, () => {
    const reused = bundleHandlerWithInputs("lambdas/public.ts", { root: project });
    utimesSync(reused.dir, daysAgo(BUNDLE_CACHE_DAYS + 1), daysAgo(BUNDLE_CACHE_DAYS + 1));
    expect(bundleHandlerWithInputs("lambdas/public.ts", { root: project }).dir).toBe(reused.dir);
    expect(statSync(reused.dir).mtimeMs).toBeGreaterThan(daysAgo(1).getTime());

    const [stale, recent] = planted;
    for (const [name, age] of [[stale, BUNDLE_CACHE_DAYS + 1], [recent, BUNDLE_CACHE_DAYS - 1]] as const) {
      mkdirSync(join(cache, name));
      writeFileSync(join(cache, name, "index.js"), "");
      utimesSync(join(cache, name), daysAgo(age), daysAgo(age));
    }
    // New code, so a new bundle is written.
    const entry = join(project, "lambdas", "fresh.ts");
    writeFileSync(entry, `export const handler = async () => "${Date.now()}";\n`);
    const fresh = bundleHandlerWithInputs("lambdas/fresh.ts", { root: project });
    expect(existsSync(join(fresh.dir, "index.js"))).toBe(true);
    expect(existsSync(join(cache, stale))).toBe(false);
    expect(existsSync(join(cache, recent))).toBe(true);
    expect(existsSync(reused.dir)).toBe(true);
  });
});
