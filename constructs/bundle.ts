import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { buildSync, Message, OutputFile } from "esbuild";
import { contentHash } from "./content-hash";
import { bundleTarget, NODEJS_RUNTIME, NodejsRuntime } from "./runtime";
import { quoted, ValidationError } from "./validation";

/**
 * The mode of every file in a function's zip (`output_file_mode` of its `archive_file`): without it the zip records
 * each file's mode on the build machine, which its umask decides, so the zip's bytes, and with them
 * `source_code_hash`, would differ between machines and a deploy from another checkout would update the function.
 */
export const ARCHIVE_FILE_MODE = "0644";

/**
 * Days a bundle stays in the OS temp cache after its last use. Synth copies each bundle into its output, so a
 * bundle is needed only while a synth or `npm run dev` uses it; each use renews it, and each new bundle removes the
 * ones unused for longer.
 */
export const BUNDLE_CACHE_DAYS = 7;

/** Options of {@link bundleHandlerWithInputs}. */
export interface BundleOptions {
  /**
   * The directory the source map names files relative to (`lambdas/private.ts`), and the inputs are resolved from.
   * @default the working directory (the project root under cdktf)
   */
  readonly root?: string;
  /** The Lambda runtime the bundle is for: esbuild targets its Node.js version. @default "nodejs22.x" (`NODEJS_RUNTIME`) */
  readonly runtime?: NodejsRuntime;
}

/** A bundle and the files it was built from. */
export interface HandlerBundle {
  /** The directory holding `index.js` and `index.js.map`, named by the hash of both. */
  readonly dir: string;
  /** That hash: the same for the same code. */
  readonly hash: string;
  /** Absolute paths of the files esbuild read to build it (the entry, its imports, any `node_modules` files). */
  readonly inputs: readonly string[];
}

/**
 * Bundles a handler file and everything it imports into one minified CommonJS `index.js`, with its source map
 * `index.js.map` beside it.
 *
 * Returns a directory that holds only those files. The directory is named by the hash of the bundle, so
 * the same code always lands in the same place and parallel builds never see half-written files.
 * The AWS SDK v3 (`@aws-sdk/*`) is left out: the Node.js Lambda runtime provides it.
 *
 * The source map, and why it is built this way:
 * - A separate `index.js.map` linked by a `//# sourceMappingURL` comment, not an inline one: Node reads the map only
 *   when started with `--enable-source-maps` (the local runner does; on AWS set `NODE_OPTIONS=--enable-source-maps`),
 *   so a function without the flag loads and parses no more code than before. An inline map would grow `index.js`,
 *   the file every cold start reads and parses.
 * - No `sourcesContent`: the zip ships no TypeScript source, and stays small (about 0.5 KB more per handler, where the
 *   sources would add several). Stack traces need only the mappings; an editor has the source anyway.
 * - Paths in the map are relative to `root` (the project root): `lambdas/private.ts`, never the build machine's
 *   absolute path, so the same sources give the same zip and the same `source_code_hash` on every machine. Node resolves
 *   them against the map's own location, so a stack names `<task root>/lambdas/private.ts:12:3` (`/var/task/...` on
 *   AWS). Keep handlers and what they import under the root: a file outside it is named by a `../` path, which
 *   depends on where the checkout sits.
 */
export function bundleHandler(entry: string, runtime: NodejsRuntime = NODEJS_RUNTIME): string {
  return bundleHandlerWithInputs(entry, { runtime }).dir;
}

/** {@link bundleHandler}, also telling which files went into the bundle (from esbuild's metafile): what to watch. */
export function bundleHandlerWithInputs(entry: string, options: BundleOptions = {}): HandlerBundle {
  const root = resolve(options.root ?? process.cwd());
  const file = resolve(root, entry);
  if (!existsSync(file)) {
    throw new ValidationError(`handler file ${quoted(entry)} not found (resolved from ${root}): expected a .ts or .js file`);
  }
  const target = bundleTarget(options.runtime);
  const key = `${root}\0${file}\0${target}`;
  const known = builtBundles.get(key);
  if (known && known.sources === sourcesHash(known.bundle.inputs, file, root) && existsSync(join(known.bundle.dir, "index.js"))) {
    renew(known.bundle.dir);
    return known.bundle;
  }
  const { code, map, inputs } = build(entry, file, root, target);
  const hash = createHash("sha256").update(code).update(map).digest("hex").slice(0, 16);
  const cache = join(tmpdir(), "api-auth-cognito-bundles");
  const dir = join(cache, hash);
  if (existsSync(join(dir, "index.js"))) {
    renew(dir);
  } else {
    mkdirSync(dir, { recursive: true });
    // The map first: a directory with index.js is complete.
    for (const [name, contents] of [["index.js.map", map], ["index.js", code]] as const) {
      const partial = join(dir, `.${name}.${process.pid}`);
      writeFileSync(partial, contents);
      renameSync(partial, join(dir, name));
    }
    pruneCache(cache);
  }
  const bundle = { dir, hash, inputs };
  builtBundles.set(key, { sources: sourcesHash(inputs, file, root), bundle });
  return bundle;
}

/** The bundles this process built, by root and entry, with the hash of the files each was built from. */
const builtBundles = new Map<string, { readonly sources: string; readonly bundle: HandlerBundle }>();

/** One hash of a bundle's inputs and of each tsconfig.json esbuild may have read, from the entry's folder up to the root. */
function sourcesHash(inputs: readonly string[], file: string, root: string): string {
  const tsconfigs: string[] = [];
  for (let dir = dirname(file); dir.startsWith(root); dir = dirname(dir)) {
    tsconfigs.push(join(dir, "tsconfig.json"));
    if (dir === root) break;
  }
  const hash = createHash("sha256");
  for (const input of [...inputs, ...tsconfigs]) hash.update(`${input}\0${contentHash(input)}\0`);
  return hash.digest("hex");
}

/** Marks a bundle used now, so that {@link pruneCache} keeps it. */
function renew(dir: string): void {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // Another process pruned it meanwhile: the caller's existsSync saw it, and a rebuild writes it again.
  }
}

/** Removes the bundles in `cache` unused for {@link BUNDLE_CACHE_DAYS} days. */
function pruneCache(cache: string): void {
  const oldest = Date.now() - BUNDLE_CACHE_DAYS * 24 * 3600 * 1000;
  for (const name of readdirSync(cache)) {
    const dir = join(cache, name);
    try {
      if (statSync(dir).mtimeMs < oldest) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/** Runs esbuild for Node `target` (`node22`); a handler that does not compile becomes a {@link ValidationError} naming the first error's place. */
function build(entry: string, file: string, root: string, target: string): { code: Uint8Array; map: Uint8Array; inputs: string[] } {
  try {
    const result = buildSync({
      entryPoints: [file],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      target,
      format: "cjs",
      minify: true,
      legalComments: "none",
      external: ["@aws-sdk/*"],
      sourcemap: "linked",
      sourcesContent: false,
      metafile: true,
      write: false,
      // In the root, so the map's paths are relative to it.
      outfile: join(root, "index.js"),
      logLevel: "silent",
    });
    const output = (name: string) => (result.outputFiles.find((f) => f.path === join(root, name)) as OutputFile).contents;
    const inputs = Object.keys(result.metafile.inputs).map((input) => (isAbsolute(input) ? input : join(root, input)));
    return { code: output("index.js"), map: output("index.js.map"), inputs };
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) throw error;
    const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : "";
    throw new ValidationError(`cannot bundle handler file ${quoted(entry)}: ${where}${first.text}`);
  }
}
