// @ts-check
/**
 * Runs the cdktf app, as cdktf.json's `app` and every tool that synthesizes: `node tools/terraform/run-app.cjs main.ts`.
 * On every run it bundles the entry and the project files it imports with esbuild, from the sources as they are now
 * (packages stay in node_modules), and runs the bundle with node. A stale build cannot happen: nothing is kept
 * between runs. This takes about half the time of `tsx main.ts`, which transforms each file through loader hooks
 * and makes Node parse the inline source maps of every cdktf module it loads.
 *
 * Each file keeps its own `__dirname` and `__filename` (main.ts finds lambdas/ by its own). The bundle carries a
 * source map that is read only when the app crashes: the run is repeated with `--enable-source-maps`, so the trace
 * shows `main.ts:<line>`, not bundle lines. A {@link ValidationError}'s one line has no trace, and is shown as it is.
 *
 * Plain JavaScript, run by Node without a compile step. Usage: node run-app.cjs <entry.ts> [arguments of the entry]
 */
const { spawn } = require("node:child_process");
const { mkdirSync, readdirSync, readFileSync, rmSync } = require("node:fs");
const { basename, dirname, join, resolve } = require("node:path");

const entry = resolve(process.argv[2] ?? "main.ts");
const root = process.cwd();
// Inside the project, so that the bundle's requires of packages resolve from the project's node_modules.
const bundle = join(root, ".tfwork", "app", `${basename(entry, ".ts")}-${process.pid}.cjs`);

/** @type {import("esbuild").Plugin} Gives each bundled file its own `__dirname` and `__filename`. */
const ownDirname = {
  name: "own-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      // esbuild renames these module-level constants where files would collide.
      const header = `const __dirname = ${JSON.stringify(dirname(args.path))}; const __filename = ${JSON.stringify(args.path)};`;
      return { contents: `${header}\n${source}`, loader: "ts" };
    });
  },
};

/** Runs the bundle; resolves with its exit code and, when `captureStderr`, what it wrote to stderr. */
function run(nodeArgs, captureStderr) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...nodeArgs, bundle, ...process.argv.slice(3)], { stdio: ["inherit", "inherit", captureStderr ? "pipe" : "inherit"] });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const forward = (signal) => child.kill(signal);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
    child.on("exit", (code, signal) => done({ code: code ?? (signal ? 128 : 1), stderr }));
  });
}

/** Removes the bundles of runs that were killed before they could (their pid is gone). */
function removeOrphans() {
  for (const file of readdirSync(dirname(bundle))) {
    const pid = Number(/-(\d+)\.cjs$/.exec(file)?.[1]);
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
  try {
    await require("esbuild").build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: `node${process.versions.node.split(".")[0]}`,
      packages: "external",
      sourcemap: "inline",
      sourcesContent: false,
      logLevel: "silent",
      plugins: [ownDirname],
    });
  } catch (failure) {
    // One line per error, `file:line:column: ERROR: text`, as compilers print them (and editors link them).
    for (const { location, text } of failure.errors ?? []) {
      console.error(location ? `${location.file}:${location.line}:${location.column + 1}: ERROR: ${text}` : `ERROR: ${text}`);
    }
    if (!failure.errors) console.error(failure);
    return 1;
  }
  const first = await run([], true);
  if (first.code === 0 || !first.stderr.includes(bundle)) {
    process.stderr.write(first.stderr);
    return first.code;
  }
  // A crash with a trace through the bundle: once more, with the trace mapped to the sources.
  return (await run(["--enable-source-maps"], false)).code;
}

main().then(
  (code) => {
    rmSync(bundle, { force: true });
    process.exitCode = code;
  },
  (error) => {
    rmSync(bundle, { force: true });
    console.error(error);
    process.exitCode = 1;
  },
);
