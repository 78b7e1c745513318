// @ts-check
/**
 * Runs the cdktf app, as cdktf.json's `app` and every tool that synthesizes: `node tools/terraform/run-app.cjs main.ts`.
 * On every run it bundles the entry and the project files it imports with esbuild, from the sources as they are now
 * (packages stay in node_modules), and runs the bundle in this same Node process as its main module. A stale build
 * cannot happen: nothing is kept between runs. This takes about half the time of `tsx main.ts`, which transforms
 * each file through loader hooks and makes Node parse the inline source maps of every cdktf module it loads, and
 * within a few percent of running a prebuilt bundle with node (`npm run bench` measures both).
 *
 * Each file keeps its own `__dirname` and `__filename` (app/stacks/stage-stack.ts finds lambdas/ by its own). The bundle's source map
 * sits beside it and is read only when the app crashes, to name `main.ts:<line>` in the trace, not bundle lines.
 * A {@link ValidationError}'s one line has no trace, and is shown as it is.
 *
 * Plain JavaScript, run by Node without a compile step. Usage: node run-app.cjs <entry.ts> [arguments of the entry]
 */
const { mkdirSync, readdirSync, readFileSync, rmSync } = require("node:fs");
const Module = require("node:module");
const { SourceMap } = Module;
const { basename, dirname, join, resolve } = require("node:path");
const { ownDirname } = require("./own-dirname.cjs");
const { bindingsAlias } = require("./bindings.cjs");

const entry = resolve(process.argv[2] ?? "main.ts");
const root = process.cwd();
// Inside the project, so that the bundle's requires of packages resolve from the project's node_modules.
const bundle = join(root, ".tfwork", "app", `${basename(entry, ".ts")}-${process.pid}.cjs`);

/** `error`'s stack with each place in the bundle named by its place in the sources, through the bundle's map. */
function mappedStack(error) {
  const stack = error instanceof Error && error.stack ? error.stack : String(error);
  let map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, "utf8")));
  } catch {
    return stack;
  }
  const places = new RegExp(`${bundle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`, "g");
  return stack.replace(places, (place, line, column) => {
    const origin = map.findOrigin(Number(line), Number(column));
    return origin.fileName ? `${resolve(dirname(bundle), origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}` : place;
  });
}

/** Removes the bundles of runs that were killed before they could (their pid is gone). */
function removeOrphans() {
  for (const file of readdirSync(dirname(bundle))) {
    const pid = Number(/-(\d+)\.cjs(\.map)?$/.exec(file)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(dirname(bundle), file), { force: true });
    }
  }
}

async function main() {
  const tooOld = require("../cli/node-version.cjs").nodeTooOld();
  if (tooOld) {
    console.error(`Error: ${tooOld}`);
    return 1;
  }
  mkdirSync(dirname(bundle), { recursive: true });
  removeOrphans();
  let alias;
  try {
    alias = bindingsAlias();
  } catch (error) {
    console.error(`Error: ${error.message}`);
    return 1;
  }
  const esbuild = require("esbuild");
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${process.versions.node.split(".")[0]}`,
      packages: "external",
      sourcemap: "external",
      sourcesContent: false,
      logLevel: "silent",
      plugins: [ownDirname],
      alias,
    });
  } catch (failure) {
    // One line per error, `file:line:column: ERROR: text`, as compilers print them (and editors link them).
    for (const { location, text } of failure.errors ?? []) {
      console.error(location ? `${location.file}:${location.line}:${location.column + 1}: ERROR: ${text}` : `ERROR: ${text}`);
    }
    if (!failure.errors) console.error(failure);
    return 1;
  } finally {
    // esbuild's service process is done: the app gets its memory.
    await esbuild.stop();
  }
  // The bundle runs in this process as the main module, as `node <bundle> <arguments>` would run it: a second Node
  // would cost its start-up again. A crash prints its trace through the sources and exits 1, as Node's own would.
  process.on("exit", removeBundle);
  process.on("uncaughtException", crash);
  process.argv = [process.argv[0], bundle, ...process.argv.slice(3)];
  try {
    // Node's own loader of the entry point, which `node <file>` calls: `require.main === module` holds in the app.
    Module.runMain(bundle);
  } catch (error) {
    crash(error);
  }
  return undefined;
}

/** Prints `error` with its trace through the sources and exits 1. */
function crash(error) {
  console.error(mappedStack(error));
  process.exit(1);
}

/** Removes this run's bundle and its map. */
function removeBundle() {
  rmSync(bundle, { force: true });
  rmSync(`${bundle}.map`, { force: true });
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error) => {
    removeBundle();
    console.error(error);
    process.exitCode = 1;
  },
);
