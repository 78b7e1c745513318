import { join, relative, sep } from "node:path";
import { FileWatcher, mayChangeBundle } from "../shared/file-watcher";

/**
 * Watches the files an app's infrastructure is defined in (the modules at the project's root, `main.ts`; `app/` and
 * `constructs/`) and, after a burst of saves, runs one redeploy; saves during a redeploy cause exactly one more after
 * it. Redeploys never overlap, and one that fails does not stop the watching: what it does on failure (say so in one
 * line, keep the last good deployment) is the caller's.
 */

/** The folders of a project, relative to its root, whose edits change the infrastructure, besides its root modules. */
export const INFRASTRUCTURE_FOLDERS: readonly string[] = ["app", "constructs"];

/** Options of {@link InfraReloader}. */
export interface InfraReloaderOptions {
  /** The project root the sources are relative to. */
  readonly root: string;
  /** @default {@link INFRASTRUCTURE_FOLDERS} */
  readonly folders?: readonly string[];
  /** Synthesizes and applies; resolves or rejects when done. Never called twice at once. */
  readonly redeploy: () => Promise<void>;
  /** Receives the line of a watch that could not be set up. */
  readonly log: (line: string) => void;
  /** Quiet time after the last file event before redeploying, in ms. @default 150 */
  readonly debounceMs?: number;
}

/** Runs a redeploy after each burst of edits to the infrastructure's sources; see the file's summary. */
export class InfraReloader {
  private readonly watcher: FileWatcher;
  private readonly folders: readonly string[];
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: InfraReloaderOptions) {
    this.folders = options.folders ?? INFRASTRUCTURE_FOLDERS;
    this.watcher = new FileWatcher({
      debounceMs: options.debounceMs ?? 150,
      accepts: (file) => mayChangeBundle(file) && this.isInfrastructure(file),
      onSettled: () => this.start(),
    });
    // The root's own files are watched through the root (editors often save by renaming a new file into place);
    // folders recursively.
    try {
      this.watcher.watch(options.root);
      for (const folder of this.folders) this.watcher.watch(join(options.root, folder), { recursive: true });
    } catch (error) {
      options.log(`cannot watch the infrastructure's sources: ${(error as Error).message}; edits of main.ts, app/ and constructs/ need a restart`);
    }
  }

  /** The redeploy under way, if any (resolves when it and any queued one have finished). */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Stops watching; resolves when a redeploy under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher.close();
    await this.idle();
  }

  /** Whether `file` is a module at the project's root or a file in one of the infrastructure's folders. */
  private isInfrastructure(file: string): boolean {
    const path = relative(this.options.root, file);
    const rootModule = !path.includes(sep) && path.endsWith(".ts") && !path.endsWith(".d.ts");
    return rootModule || this.folders.some((folder) => path.startsWith(`${folder}${sep}`));
  }

  private start(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.options.redeploy().catch(() => undefined);
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
  }
}
