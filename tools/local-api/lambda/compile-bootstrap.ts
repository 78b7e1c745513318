import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_TARGET } from "../../../constructs/runtime";

/** The program each local Lambda process runs. */
const BOOTSTRAP_SOURCE = join(__dirname, "bootstrap.ts");

/**
 * bootstrap.ts compiled to one CommonJS file for the runtime's Node, with esbuild (the bundler of the handlers, already
 * loaded), into `dir` as `bootstrap-<content hash>.js`; returns its path. Written once per content: a file of the same
 * name is already this program.
 */
export function compileBootstrap(dir: string): string {
  const compiled = buildSync({ entryPoints: [BOOTSTRAP_SOURCE], bundle: true, platform: "node", format: "cjs", target: BUNDLE_TARGET, write: false, logLevel: "silent" });
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
