import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { build, Plugin } from "esbuild";
import { zipDirectory } from "../shared/zip";
import { stageStack, synthesize } from "../terraform/synthesize";
import { prepareTerraform, terraformEnv } from "../terraform/terraform";
import { PROJECT_ROOT } from "../shared/paths";
import { note, step } from "../cli/terminal";

/**
 * Synth, test and package figures of this project (`npm run bench`), each the median of several fresh runs (with
 * min and max): the app as cdktf.json runs it against the same app prebuilt (their ratio is the budget), the CLI,
 * provider imports, the unit suite a few times and the whole suite once, every command's --help, terraform validate
 * and the handlers. Not part of `npm test`: this machine is noisy, so unit tests assert no timings.
 */

/** One measured run: wall time in seconds, and the peak RSS of the largest process in MB where known. */
interface Sample {
  readonly seconds: number;
  readonly rssMb?: number;
}

/** A figure of the table. */
interface Figure {
  readonly name: string;
  readonly unit: "s" | "ms" | "B" | "x";
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rssMb?: number;
  /** The budget, in the figure's unit, and whether the median meets it. */
  readonly budget?: { readonly max: number; readonly ok: boolean; readonly note?: string };
}

const BIN = join(PROJECT_ROOT, "node_modules", ".bin");
const GNU_TIME = "/usr/bin/time";

/** Runs a command and measures it; with GNU time, also the peak RSS. Throws if the command fails. */
function measure(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const timeFile = join(tmpdir(), `bench-time-${process.pid}`);
  const useTime = existsSync(GNU_TIME);
  const started = process.hrtime.bigint();
  const result = useTime
    ? spawnSync(GNU_TIME, ["-f", "%e %M", "-o", timeFile, command, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, encoding: "utf8" })
    : spawnSync(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${(result.stderr || result.stdout).slice(-2000)}`);
  if (!useTime) return { seconds };
  const [, rssKb] = readFileSync(timeFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  rmSync(timeFile, { force: true });
  return { seconds, rssMb: rssKb / 1024 };
}

/** The median, min and max of numbers. */
function stats(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Measures `run` `runs` times and makes a figure in seconds. */
function timedFigure(name: string, runs: number, run: () => Sample, budgetSeconds?: number): Figure {
  const figure = sampledFigure(name, Array.from({ length: runs }, run));
  return budgetSeconds === undefined ? figure : { ...figure, budget: { max: budgetSeconds, ok: figure.median <= budgetSeconds } };
}

/** A figure in seconds from samples already taken. */
function sampledFigure(name: string, samples: readonly Sample[]): Figure {
  const rss = samples.every((s) => s.rssMb !== undefined) ? stats(samples.map((s) => s.rssMb!)).median : undefined;
  return { name, unit: "s", ...stats(samples.map((s) => s.seconds)), rssMb: rss };
}

/** The ratio of two figures measured side by side: of their medians, with min and max over the pairs of runs. */
function ratioFigure(name: string, measured: readonly number[], floor: readonly number[], budget: number): Figure {
  const median = stats(measured).median / stats(floor).median;
  const pairs = stats(measured.map((value, run) => value / floor[run]));
  return { name, unit: "x", median, min: pairs.min, max: pairs.max, budget: { max: budget, ok: median <= budget } };
}

/** The provider modules the app imports, by deep path, read from its sources. */
function providerModules(): string[] {
  const sources = (dir: string) => readdirSync(join(PROJECT_ROOT, dir), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
  const files = ["main.ts", ...sources("app"), ...sources("constructs")];
  const found = files.flatMap((file) => [...readFileSync(join(PROJECT_ROOT, file), "utf8").matchAll(/"(@cdktf\/provider-[a-z]+\/lib\/[a-z0-9-]+)"/g)].map((m) => m[1]));
  return [...new Set(found)].sort();
}

/** The same classes through the package barrels, as code that imports a whole provider package reaches them. */
function barrelScript(modules: string[]): string {
  const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const lines = modules.map((m) => {
    const [, pkg, name] = /^(@cdktf\/provider-[a-z]+)\/lib\/(.+)$/.exec(m)!;
    return `if (!require(${JSON.stringify(pkg)})[${JSON.stringify(camel(name))}]) throw new Error(${JSON.stringify(m)});`;
  });
  return lines.join("\n");
}

/** A realistic payload 2.0 event for a handler's first invocation. */
const EVENT = {
  version: "2.0",
  routeKey: "GET /private",
  rawPath: "/private",
  headers: {},
  requestContext: {
    requestId: "bench",
    authorizer: { iam: { cognitoIdentity: { identityId: "us-east-1:00000000-0000-0000-0000-000000000000", amr: ["authenticated"] } } },
  },
};

/** The budgets of the suite, in seconds of wall time on this project's 2-core machine, and of the bench itself. */
const TEST_UNIT_BUDGET_S = 8;
const NPM_TEST_BUDGET_S = 120;
const BENCH_BUDGET_S = 300;

/** Measures every figure `runs` times, prints the table, writes bench/results.json; resolves to 1 when a budget is broken. */
export async function benchApp(runs: number): Promise<number> {
  const started = Date.now();
  prepareTerraform();
  if (!existsSync(GNU_TIME)) note(`${GNU_TIME} is missing (apt-get install time): peak RSS is not measured`);
  const scratch = mkdtempSync(join(tmpdir(), "bench-"));
  const out = (name: string) => ({ CDKTF_OUTDIR: join(scratch, name), CHECKPOINT_DISABLE: "1" });
  const figures: Figure[] = [];
  const log = (figure: Figure) => {
    figures.push(figure);
    step(`measured: ${figure.name}`);
  };

  try {
    // 1. The app as cdktf.json runs it against the floor: the same app prebuilt to one JavaScript file with esbuild
    // and run by node, alternating run by run so that both see the same machine. Each file keeps its own __dirname,
    // as run-app.cjs gives it (the stage stack finds the handlers relative to itself).
    const runApp = join(PROJECT_ROOT, "tools", "terraform", "run-app.cjs");
    const prebuilt = join(PROJECT_ROOT, `.bench-app-${process.pid}.js`);
    const { ownDirname } = require("../terraform/own-dirname.cjs") as { ownDirname: Plugin };
    await build({ entryPoints: [join(PROJECT_ROOT, "main.ts")], bundle: true, platform: "node", format: "cjs", packages: "external", outfile: prebuilt, logLevel: "silent", plugins: [ownDirname] });
    const appSamples: Sample[] = [];
    const floorSamples: Sample[] = [];
    try {
      for (let run = 0; run < runs; run++) {
        appSamples.push(measure(process.execPath, [runApp, "main.ts"], out("run-app")));
        floorSamples.push(measure(process.execPath, [prebuilt], out("prebuilt")));
      }
    } finally {
      rmSync(prebuilt, { force: true });
    }
    const app = sampledFigure("app: run-app.cjs main.ts (cdktf.json; bundles the sources on every run)", appSamples);
    const floor = sampledFigure("app: node, prebuilt with esbuild (the floor)", floorSamples);
    log(app);
    log(floor);
    log(ratioFigure("app against the floor: wall time", appSamples.map((s) => s.seconds), floorSamples.map((s) => s.seconds), 1.15));
    if (appSamples.every((s) => s.rssMb !== undefined)) {
      log(ratioFigure("app against the floor: peak RSS", appSamples.map((s) => s.rssMb!), floorSamples.map((s) => s.rssMb!), 1.1));
    }
    log(timedFigure("app: tsx main.ts (the runner until 0.1.0)", runs, () => measure(join(BIN, "tsx"), ["main.ts"], out("tsx"))));

    // 2. cdktf synth of all stacks, as shipped: the CLI around the app.
    const cdktfEnv = { ...terraformEnv(), CHECKPOINT_DISABLE: "1" };
    log(timedFigure("cdktf synth (all stacks)", runs, () => measure(join(BIN, "cdktf"), ["synth", "--output", join(scratch, "cli")], cdktfEnv), 3));

    // 3. The provider classes we use, by deep path against the package barrels, each in a fresh process.
    const modules = providerModules();
    const deep = modules.map((m) => `require(${JSON.stringify(m)});`).join("\n");
    log(timedFigure(`load ${modules.length} provider classes by deep path`, runs, () => measure(process.execPath, ["-e", deep])));
    log(timedFigure(`load the same ${modules.length} classes from the barrels`, runs, () => measure(process.execPath, ["-e", barrelScript(modules)])));

    // 4. The tests: the unit project (the quick loop) a few times, and everything npm test runs once.
    // The commands as users run them, npm included.
    log(timedFigure("npm run test:unit", Math.min(runs, 3), () => measure("npm", ["run", "--silent", "test:unit", "--", "--silent"]), TEST_UNIT_BUDGET_S));
    log(timedFigure("npm test (unit, integration, end to end)", 1, () => measure("npm", ["test", "--silent", "--", "--silent"]), NPM_TEST_BUDGET_S));

    // 5. Every command's --help, which must answer before any work starts.
    for (const file of readdirSync(join(PROJECT_ROOT, "tools", "bin")).filter((f) => f.endsWith(".ts")).sort()) {
      log(timedFigure(`tools/bin/${file} --help`, runs, () => measure(join(BIN, "tsx"), [join("tools", "bin", file), "--help"]), 2));
    }

    // 6. npm run validate: every stack, as JSON and as HCL, in one terraform validate.
    log(timedFigure("npm run validate (every stack, JSON and HCL)", runs, () => measure("npm", ["run", "--silent", "validate"], { API_AUTH_COGNITO_WORK_DIR: join(scratch, "validate") })));

    // 7. Each Lambda: its zip, and its handler's cold load and first invocation in a fresh Node process.
    const dev = stageStack(synthesize(join(scratch, "handlers-out"), { stages: ["dev"] }), "dev");
    for (const fn of dev.manifest.functions) {
      const dir = join(dev.dir, fn.bundle);
      const name = fn.name;
      const size = zipDirectory(dir).length;
      figures.push({ name: `${name}: zip size`, unit: "B", median: size, min: size, max: size, budget: { max: 2048, ok: size <= 2048 } });
      const script = `const t0 = performance.now(); const m = require(${JSON.stringify(join(dir, "index.js"))}); const t1 = performance.now();
        const write = process.stdout.write.bind(process.stdout); process.stdout.write = () => true;
        m.handler(${JSON.stringify(EVENT)}, { awsRequestId: "bench" }).then(() => { const t2 = performance.now(); write(JSON.stringify([t1 - t0, t2 - t1])); });`;
      const timings = Array.from({ length: runs }, () => JSON.parse(spawnSync(process.execPath, ["-e", script], { encoding: "utf8" }).stdout) as [number, number]);
      const load = stats(timings.map((t) => t[0]));
      const invoke = stats(timings.map((t) => t[1]));
      figures.push({ name: `${name}: cold load`, unit: "ms", ...load, budget: { max: 50, ok: load.median <= 50 } });
      figures.push({ name: `${name}: first invocation`, unit: "ms", ...invoke });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const total = (Date.now() - started) / 1000;
  figures.push({ name: "npm run bench itself", unit: "s", median: total, min: total, max: total, budget: { max: BENCH_BUDGET_S, ok: total <= BENCH_BUDGET_S } });
  printTable(figures);
  mkdirSync(join(PROJECT_ROOT, "bench"), { recursive: true });
  const results = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, runs, figures };
  writeFileSync(join(PROJECT_ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const broken = figures.filter((f) => f.budget && !f.budget.ok);
  for (const f of broken) console.error(`budget broken: ${f.name}: ${format(f.median, f.unit)} > ${format(f.budget!.max, f.unit)}${f.budget!.note ? ` (${f.budget!.note})` : ""}`);
  console.log(broken.length === 0 ? "all budgets met; results in bench/results.json" : "results in bench/results.json");
  return broken.length === 0 ? 0 : 1;
}

function format(value: number, unit: Figure["unit"]): string {
  if (unit === "B") return `${value} B`;
  if (unit === "x") return `${value.toFixed(2)}×`;
  return unit === "s" ? `${value.toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    format(f.median, f.unit),
    `${format(f.min, f.unit)} – ${format(f.max, f.unit)}`,
    f.rssMb === undefined ? "" : `${f.rssMb.toFixed(0)} MB`,
    f.budget ? `${f.budget.ok ? "ok" : "BROKEN"} (≤ ${format(f.budget.max, f.unit)}${f.budget.note ? `; ${f.budget.note}` : ""})` : "",
  ]);
  const header = ["figure", "median", "min – max", "peak RSS", "budget"];
  console.log(`\n| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log("");
}

