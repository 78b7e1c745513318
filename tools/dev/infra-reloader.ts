import { FSWatcher, watch } from "node:fs";
import { join, relative, sep } from "node:path";
import { isEditorArtifact, mayChangeBundle } from "./handler-reloader";

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
  private readonly watchers: FSWatcher[] = [];
  private readonly folders: readonly string[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: InfraReloaderOptions) {
    this.folders = options.folders ?? INFRASTRUCTURE_FOLDERS;
    // The root's own files are watched through the root (editors often save by renaming a new file into place);
    // folders recursively.
    try {
      this.watchers.push(watch(options.root, (_event, name) => name && this.noticed(join(options.root, name.toString()))));
      for (const folder of this.folders) {
        const dir = join(options.root, folder);
        this.watchers.push(watch(dir, { recursive: true }, (_event, name) => name && this.noticed(join(dir, name.toString()))));
      }
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
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    await this.idle();
  }

  private noticed(file: string): void {
    if (this.stopped || isEditorArtifact(file) || !mayChangeBundle(file)) return;
    const path = relative(this.options.root, file);
    const rootModule = !path.includes(sep) && path.endsWith(".ts") && !path.endsWith(".d.ts");
    if (!rootModule && !this.folders.some((folder) => path.startsWith(`${folder}${sep}`))) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), this.options.debounceMs ?? 150);
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
