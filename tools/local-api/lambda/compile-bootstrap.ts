import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { bundleTarget, NODEJS_RUNTIMES, type NodejsRuntime } from "../../../constructs/runtime";

/** The program each local Lambda process runs. */
const BOOTSTRAP_SOURCE = join(__dirname, "bootstrap.ts");

/** The runtime of the oldest Node: the one program runs on every runtime's Node. */
const OLDEST_RUNTIME = (Object.keys(NODEJS_RUNTIMES) as NodejsRuntime[]).reduce((a, b) => (NODEJS_RUNTIMES[b].major < NODEJS_RUNTIMES[a].major ? b : a));

/**
 * bootstrap.ts compiled to one CommonJS file for the oldest Node of the runtimes, with esbuild (the bundler of the
 * handlers, already loaded), into `dir` as `bootstrap-<content hash>.js`; returns its path. Written once per content:
 * a file of the same name is already this program.
 */
export function compileBootstrap(dir: string): string {
  const compiled = buildSync({ entryPoints: [BOOTSTRAP_SOURCE], bundle: true, platform: "node", format: "cjs", target: bundleTarget(OLDEST_RUNTIME), write: false, logLevel: "silent" });
  const code = compiled.outputFiles[0].contents;
  const file = join(dir, `bootstrap-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const scratch = `${file}.${process.pid}.tmp`;
    writeFileSync(scratch, code);
    renameSync(scratch, file);
  }
  return file;
}
