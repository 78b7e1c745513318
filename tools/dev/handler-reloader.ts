import { dirname, join, sep } from "node:path";
import { ARCHIVE_FILE_MODE, bundleHandlerWithInputs } from "../../constructs/bundle";
import { contentHash } from "../../constructs/content-hash";
import type { NodejsRuntime } from "../../constructs/runtime";
import { FileWatcher, mayChangeBundle } from "../shared/file-watcher";
import { zipDirectory } from "../shared/zip";

/**
 * Keeps the local cloud's functions on the code of their handler files for `npm run dev`: watches the directories of
 * every file a handler's bundle was built from (esbuild's metafile, `node_modules` aside), waits for a burst of file
 * events to end, and rebuilds and pushes only the handlers whose inputs changed content. A handler that stops
 * building keeps serving its last good code and says why once per distinct error; the others carry on.
 */

/** A function the reloader keeps up to date. */
export interface ReloadedFunction {
  /** Physical name of the function, as UpdateFunctionCode takes it. */
  readonly name: string;
  /** Its handler file, relative to the reloader's root (`lambdas/private.ts`). */
  readonly entry: string;
  /** Its Lambda runtime: the bundle targets its Node.js version. @default "nodejs22.x" */
  readonly runtime?: NodejsRuntime;
}

/** Options of {@link HandlerReloader}. */
export interface HandlerReloaderOptions {
  readonly functions: readonly ReloadedFunction[];
  /** Where the entries are read from; the bundles' source maps name files relative to it. */
  readonly root: string;
  /** Gives a function its new code (a zip of the bundle); resolves when the emulator serves it. */
  readonly push: (functionName: string, zip: Uint8Array) => Promise<void>;
  /** Receives the reload and build error lines. */
  readonly log: (line: string) => void;
  /** Called after each push with the time from the first file event of the change (or the call) to the emulator having it. @default none */
  readonly onReload?: (functionName: string, ms: number) => void;
  /** Quiet time after the last file event before rebuilding, in ms: one save is several events. @default 75 */
  readonly debounceMs?: number;
}

/** What {@link staleHandlers} needs to know of a handler. */
export interface HandlerInputs {
  readonly name: string;
  /** Content hash of each input file at its last build. */
  readonly inputs: ReadonlyMap<string, string>;
  /** Whether its last build failed: then any changed source file may fix it (a created import, say). */
  readonly failing: boolean;
}

/**
 * The handlers to rebuild after a change: those with an input whose content hash differs from its last build, and
 * failing ones when any file changed at all. `changed` maps each file an event named to its content hash now.
 */
export function staleHandlers(changed: ReadonlyMap<string, string>, handlers: readonly HandlerInputs[]): string[] {
  return handlers
    .filter(({ inputs, failing }) =>
      [...changed].some(([file, hash]) => (failing || inputs.has(file)) && inputs.get(file) !== hash),
    )
    .map(({ name }) => name);
}

/** What the reloader knows of one function. */
interface HandlerState extends HandlerInputs {
  readonly fn: ReloadedFunction;
  inputs: Map<string, string>;
  failing: boolean;
  /** The last build error printed, so a repeated one is not printed again. */
  error?: string;
  /** Hash of the bundle the emulator serves. */
  served?: string;
}

/** Watches handler sources and pushes rebuilt bundles; see the file's summary. */
export class HandlerReloader {
  private readonly handlers: HandlerState[];
  /** Watches the folders of every input; counts the events on a source file some handler was built from. */
  private readonly watcher: FileWatcher;
  /** Rebuilds run one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Builds every handler once, to learn its inputs, and starts watching them. Pushes nothing: the deployed code is
   * taken to be the code of the files as they are now.
   */
  constructor(private readonly options: HandlerReloaderOptions) {
    this.watcher = new FileWatcher({
      debounceMs: options.debounceMs ?? 75,
      accepts: (file) => mayChangeBundle(file) && this.handlers.some((h) => h.failing || h.inputs.has(file)),
      onSettled: (files, firstEventAt) => this.rebuild(files, firstEventAt),
    });
    this.handlers = options.functions.map((fn) => ({ fn, name: fn.name, inputs: new Map(), failing: false }));
    for (const handler of this.handlers) {
      const bundle = this.build(handler);
      if (bundle) handler.served = bundle.hash;
    }
    this.watchInputs();
  }

  /** Rebuilds and pushes every function, changed or not; resolves with their names once the emulator has them, or rejects naming those that do not build. */
  reloadAll(): Promise<string[]> {
    return this.enqueue(async () => {
      const results = await this.reload(this.handlers, performance.now(), true);
      const failed = this.handlers.filter((h) => h.failing);
      if (failed.length > 0) throw new Error(failed.map((h) => `${h.name}: ${h.error}`).join("\n"));
      return results;
    });
  }

  /**
   * Follows a redeploy of the infrastructure: starts keeping the functions that are new (their deployed code is taken
   * to be the code of their files now, as at construction), forgets those that are gone, and keeps the state of the
   * others. Resolves once the new ones are built and watched.
   */
  setFunctions(functions: readonly ReloadedFunction[]): Promise<void> {
    return this.enqueue(async () => {
      const known = new Map(this.handlers.map((handler) => [handler.name, handler]));
      const next = functions.map((fn) => {
        const kept = known.get(fn.name);
        if (kept && kept.fn.entry === fn.entry && kept.fn.runtime === fn.runtime) return kept;
        const added: HandlerState = { fn, name: fn.name, inputs: new Map(), failing: false };
        const bundle = this.build(added);
        if (bundle) added.served = bundle.hash;
        return added;
      });
      this.handlers.splice(0, this.handlers.length, ...next);
      this.watchInputs();
    });
  }

  /** Stops watching; resolves when a reload under way has finished. */
  async stop(): Promise<void> {
    this.watcher.close();
    await this.queue.catch(() => undefined);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Rebuilds what a settled burst of events on `files` made stale. */
  private rebuild(files: ReadonlySet<string>, started: number): void {
    void this.enqueue(async () => {
      const changed = new Map([...files].map((file) => [file, contentHash(file)]));
      const names = new Set(staleHandlers(changed, this.handlers));
      await this.reload(this.handlers.filter((h) => names.has(h.name)), started, false);
    });
  }

  /** Builds each handler and pushes those whose bundle differs from what the emulator serves (all of them when `force`). */
  private async reload(handlers: readonly HandlerState[], started: number, force: boolean): Promise<string[]> {
    const pushes = handlers.flatMap((handler) => {
      const bundle = this.build(handler);
      if (!bundle || (!force && bundle.hash === handler.served)) return [];
      return [
        // With the stack's output_file_mode: the code pushed does not depend on the umask either.
        this.options.push(handler.name, zipDirectory(bundle.dir, ARCHIVE_FILE_MODE)).then(
          () => {
            handler.served = bundle.hash;
            const ms = Math.round(performance.now() - started);
            this.options.log(`reloaded ${handler.name} in ${ms} ms`);
            this.options.onReload?.(handler.name, ms);
            return [handler.name];
          },
          (error: Error) => {
            this.options.log(`cannot push ${handler.name} to the local cloud: ${error.message}; it keeps serving its last code`);
            return [];
          },
        ),
      ];
    });
    const pushed = (await Promise.all(pushes)).flat();
    this.watchInputs();
    return pushed;
  }

  /** Bundles one handler and records its inputs; on failure prints the error unless it was the last one printed. */
  private build(handler: HandlerState) {
    try {
      const bundle = bundleHandlerWithInputs(handler.fn.entry, { root: this.options.root, runtime: handler.fn.runtime });
      handler.inputs = new Map(bundle.inputs.filter((file) => !inNodeModules(file)).map((file) => [file, contentHash(file)]));
      if (handler.failing) this.options.log(`${handler.name} builds again`);
      handler.failing = false;
      handler.error = undefined;
      return bundle;
    } catch (error) {
      const message = (error as Error).message;
      // Keep the last good inputs to watch, and note what was tried so that only a further change retries.
      const entry = join(this.options.root, handler.fn.entry);
      for (const file of [...handler.inputs.keys(), entry]) handler.inputs.set(file, contentHash(file));
      handler.failing = true;
      if (message !== handler.error) this.options.log(`${handler.name} does not build, it keeps serving its last good code: ${message}`);
      handler.error = message;
      return undefined;
    }
  }

  /**
   * Watches the directories of every input, opening and closing watches as imports come and go. A directory that
   * goes away is no longer watched: it is watched again once a rebuild names where the inputs are now.
   */
  private watchInputs(): void {
    const dirs = new Set(this.handlers.flatMap((h) => [...h.inputs.keys()].map((file) => dirname(file))));
    for (const dir of this.watcher.folders) if (!dirs.has(dir)) this.watcher.unwatch(dir);
    for (const dir of dirs) {
      try {
        this.watcher.watch(dir);
      } catch (error) {
        this.options.log(`cannot watch ${dir}: ${(error as Error).message}; edits there are not reloaded`);
      }
    }
  }
}

function inNodeModules(file: string): boolean {
  return file.split(sep).includes("node_modules");
}
