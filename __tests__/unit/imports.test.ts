import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * The layout's rules, read from the sources: which folder may import which (the direction of the layers), that a
 * folder with a public entry is imported only there, that there is no import cycle, and the import rules that keep
 * synth fast. The provider packages' barrels (`@cdktf/provider-aws`) load every resource class: seconds and hundreds
 * of MB per process, where a deep path loads one file.
 */
const ROOT = join(__dirname, "..", "..");
const SKIP = new Set(["node_modules", "cdktf.out", ".tfwork", ".git", ".scratch", "plans", "bench", "dist", "__tests__"]);

/** One import of a source file: its specifier, the project file it resolves to (relative ones), and whether only types. */
interface Import {
  readonly spec: string;
  readonly target?: string;
  readonly typeOnly: boolean;
  readonly dynamic: boolean;
}

/** The project file a relative specifier names, as a path from the root (`tools/local-cloud/index.ts`). */
function resolveSpec(from: string, spec: string): string | undefined {
  const base = join(ROOT, dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.cjs`, `${base}.js`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return undefined;
}

/** Every TypeScript file of the project outside the tests, with its imports. */
function sources(dir = ROOT): Array<{ file: string; imports: Import[] }> {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (SKIP.has(entry)) return [];
    if (statSync(path).isDirectory()) return sources(path);
    if (!entry.endsWith(".ts") || entry.endsWith(".d.ts")) return [];
    const file = relative(ROOT, path);
    const text = readFileSync(path, "utf8");
    const imports = [...text.matchAll(/(import\s+type\s[^;]*?from\s+|(?:from|import)\s+|require\(\s*|(import)\(\s*)["']([^"']+)["']/g)].map((m) => ({
      spec: m[3],
      target: m[3].startsWith(".") ? resolveSpec(file, m[3]) : undefined,
      typeOnly: m[1].startsWith("import") && /^import\s+type\s/.test(m[1]),
      dynamic: m[2] === "import",
    }));
    return [{ file, imports }];
  });
}

const files = sources();
const importing = (pattern: RegExp, within: (file: string) => boolean) =>
  files.filter(({ file }) => within(file)).flatMap(({ file, imports }) => imports.filter((i) => pattern.test(i.spec)).map((i) => `${file}: ${i.spec}`));

/** The imports of project files from `within` whose target breaks `allowed`, as `file -> target` lines. */
function crossings(within: (file: string) => boolean, allowed: (target: string, file: string) => boolean): string[] {
  return files
    .filter(({ file }) => within(file))
    .flatMap(({ file, imports }) => imports.filter((i) => i.target !== undefined && !allowed(i.target, file)).map((i) => `${file} -> ${i.target}`));
}

const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`);
const inside = (folder: string, file: string) => file.startsWith(`${folder}/`);

test("the scan sees the project's sources and resolves their imports", () => {
  expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(["main.ts", "app/app.ts", "constructs/http-api.ts", "lambdas/private.ts", "tools/terraform/plan.ts", "tools/local-cloud/index.ts"]));
  const unresolved = files.flatMap(({ file, imports }) => imports.filter((i) => i.spec.startsWith(".") && i.target === undefined).map((i) => `${file}: ${i.spec}`));
  expect(unresolved).toEqual([]);
});

test("provider classes are imported by deep path only, never from a package barrel", () => {
  expect(importing(/^@cdktf\/provider-[a-z0-9-]+(\/lib)?(\/index|\/lazy-index)?\/?$/, () => true)).toEqual([]);
  expect(importing(/^@cdktf\/provider-[a-z0-9-]+\/lib\/[a-z0-9-]+$/, () => true).length).toBeGreaterThan(10);
});

test("the construct library imports only itself: nothing of the app, the handlers or the tools", () => {
  expect(crossings(under("constructs"), (target) => inside("constructs", target))).toEqual([]);
});

test("handlers import no cdktf, constructs or provider code, and nothing outside lambdas/, so their bundles stay small", () => {
  expect(importing(/^(cdktf|constructs|@cdktf\/)|^\.\.\//, under("lambdas"))).toEqual([]);
});

test("main.ts is the cdktf entry only: it imports the app and the library, and nothing imports it", () => {
  expect(crossings((file) => file === "main.ts", (target) => inside("app", target) || inside("constructs", target))).toEqual([]);
  expect(crossings(() => true, (target) => target !== "main.ts")).toEqual([]);
});

test("the app imports the library and itself; of the tools only the local cloud's account, which its local target points at", () => {
  expect(
    crossings(under("app"), (target, file) => inside("app", target) || inside("constructs", target) || (file === "app/contract/local-target.ts" && target === "tools/local-cloud/account.ts")),
  ).toEqual([]);
});

test("the tools learn about the app only through app/contract, its one module for them", () => {
  expect(crossings(under("tools"), (target) => !inside("app", target) || target === "app/contract/index.ts")).toEqual([]);
});

test("the emulator (local cloud and local API) imports nothing of the app, the deployer, the dev session or the commands", () => {
  const emulator = (file: string) => inside("tools/local-cloud", file) || inside("tools/local-api", file);
  const forbidden = ["app", "tools/terraform", "tools/dev", "tools/bin", "tools/bench", "tools/smoke", "tools/ci-roles"];
  expect(crossings(emulator, (target) => !forbidden.some((folder) => inside(folder, target)))).toEqual([]);
  expect(crossings(under("tools/local-cloud"), (target) => !inside("tools/local-api", target))).toEqual([]);
});

test("a tool folder with a public entry is imported from outside only through it (app/contract: see the tools' rule above)", () => {
  const entries = ["tools/local-cloud", "tools/local-api", "tools/dev"].filter((folder) => existsSync(join(ROOT, folder, "index.ts")));
  expect(entries).toContain("tools/local-cloud");
  const exceptions = new Set(["app/contract/local-target.ts -> tools/local-cloud/account.ts"]);
  const through = crossings(
    () => true,
    (target, file) => entries.every((folder) => !inside(folder, target) || inside(folder, file) || target === `${folder}/index.ts`) || exceptions.has(`${file} -> ${target}`),
  );
  expect(through).toEqual([]);
});

test("there is no import cycle among the project's modules", () => {
  // Static imports only: a dynamic import() loads when it runs, after both modules are whole.
  const graph = new Map(files.map(({ file, imports }) => [file, imports.filter((i) => i.target && !i.dynamic).map((i) => i.target!)]));
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  expect(cycles).toEqual([]);
});

test("commands are thin: a tools/bin file imports only the shared command helpers up front and loads its library when it runs", () => {
  const eager = files
    .filter(({ file }) => file.startsWith("tools/bin/"))
    .flatMap(({ file }) => [...readFileSync(join(ROOT, file), "utf8").matchAll(/^import .* from ["']([^"']+)["'];$/gm)].map((m) => `${file}: ${m[1]}`))
    .filter((line) => !/: (\.\.\/cli\/command|node:\w+)$/.test(line));
  expect(eager).toEqual([]);
});
