import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync, Message } from "esbuild";
import { BUNDLE_TARGET } from "./runtime";
import { ValidationError } from "./validation";


/**
 * Bundles a handler file and everything it imports into one minified CommonJS `index.js`.
 *
 * Returns a directory that holds only that file. The directory is named by the hash of the bundle, so
 * the same code always lands in the same place and parallel builds never see half-written files.
 * The AWS SDK v3 (`@aws-sdk/*`) is left out: the Node.js Lambda runtime provides it.
 */
export function bundleHandler(entry: string): string {
  if (!existsSync(entry)) {
    throw new ValidationError(`handler file "${entry}" not found (resolved from ${process.cwd()}): expected a .ts or .js file`);
  }
  const code = build(entry);
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "api-auth-cognito-bundles", hash);
  if (!existsSync(join(dir, "index.js"))) {
    mkdirSync(dir, { recursive: true });
    const partial = join(dir, `.index.js.${process.pid}`);
    writeFileSync(partial, code);
    renameSync(partial, join(dir, "index.js"));
  }
  return dir;
}

/** Runs esbuild; a handler that does not compile becomes a {@link ValidationError} naming the first error's place. */
function build(entry: string): Uint8Array {
  try {
    return buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      target: BUNDLE_TARGET,
      format: "cjs",
      minify: true,
      legalComments: "none",
      external: ["@aws-sdk/*"],
      write: false,
      outfile: "index.js",
      logLevel: "silent",
    }).outputFiles[0].contents;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) throw error;
    const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
    throw new ValidationError(`cannot bundle handler file "${entry}": ${where}${first.text}`);
  }
}
