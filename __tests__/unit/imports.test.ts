import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Import rules that keep synth fast and the layers apart. The provider packages' barrels (`@cdktf/provider-aws`)
 * load every resource class: seconds and hundreds of MB per process, where a deep path loads one file.
 */
const ROOT = join(__dirname, "..", "..");
const SKIP = new Set(["node_modules", "cdktf.out", ".tfwork", ".git", "plans", "bench", "dist"]);

/** Every TypeScript file of the project, with its module specifiers. */
function sources(dir = ROOT): Array<{ file: string; imports: string[] }> {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (SKIP.has(entry)) return [];
    if (statSync(path).isDirectory()) return sources(path);
    if (!entry.endsWith(".ts")) return [];
    const text = readFileSync(path, "utf8");
    const imports = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
    return [{ file: relative(ROOT, path), imports }];
  });
}

const files = sources();
const importing = (pattern: RegExp, within: (file: string) => boolean) =>
  files.filter(({ file }) => within(file)).flatMap(({ file, imports }) => imports.filter((i) => pattern.test(i)).map((i) => `${file}: ${i}`));

test("the scan sees the project's sources", () => {
  expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(["main.ts", "constructs/http-api.ts", "lambdas/private.ts", "tools/terraform/plan.ts"]));
});

test("provider classes are imported by deep path only, never from a package barrel", () => {
  expect(importing(/^@cdktf\/provider-[a-z0-9-]+(\/lib)?(\/index|\/lazy-index)?\/?$/, () => true)).toEqual([]);
  expect(importing(/^@cdktf\/provider-[a-z0-9-]+\/lib\/[a-z0-9-]+$/, () => true).length).toBeGreaterThan(10);
});

test("the construct library imports nothing from the app, the handlers or the tools", () => {
  expect(importing(/^\.\.\/(main|config|lambdas|tools)/, (file) => file.startsWith("constructs/"))).toEqual([]);
});

test("handlers import no cdktf, constructs or provider code, so their bundles stay small", () => {
  expect(importing(/^(cdktf|constructs|@cdktf\/)|^\.\.\//, (file) => file.startsWith("lambdas/"))).toEqual([]);
});

test("the emulator side never imports the deployer, the local API or the app", () => {
  expect(importing(/^\.\.\/(terraform\/(local-deploy|local-stack|plan|validate)|local-api|bin)|^\.\.\/\.\.\/main/, (file) => file.startsWith("tools/local-cloud/"))).toEqual([]);
});

test("tools learn about the app from its manifest and config, never by importing main.ts", () => {
  expect(importing(/(^|\/)main$/, (file) => file.startsWith("tools/"))).toEqual([]);
});

test("commands are thin: a tools/bin file imports only the shared command helpers up front and loads its library when it runs", () => {
  const eager = files
    .filter(({ file }) => file.startsWith("tools/bin/"))
    .flatMap(({ file }) => [...readFileSync(join(ROOT, file), "utf8").matchAll(/^import .* from ["']([^"']+)["'];$/gm)].map((m) => `${file}: ${m[1]}`))
    .filter((line) => !/: (\.\.\/cli\/command|node:\w+)$/.test(line));
  expect(eager).toEqual([]);
});
