import { FSWatcher, watch } from "node:fs";
import { basename, extname, join } from "node:path";

/**
 * The one way the dev tools watch files: Node's `fs.watch` on folders (each alone, or with everything under it), the
 * events on editors' scratch files dropped, a burst of events (one save is several) settled into one call with the
 * files it named, and one close for every watch.
 */

/** Extensions esbuild resolves imports to: other files cannot change a bundle. */
const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".json"]);

/**
 * Whether a file is an editor's scratch file, never a source: vim's swap files (`.x.ts.swp`, `.swo`, `.swx`) and
 * write test (`4913`), backups (`x.ts~`), emacs' lock and autosave files (`.#x.ts`, `#x.ts#`).
 */
export function isEditorArtifact(file: string): boolean {
  const name = basename(file);
  return /\.sw[a-px]$/.test(name) || name.endsWith("~") || name === "4913" || name.startsWith(".#") || /^#.*#$/.test(name);
}

/** Whether an event on `file` can change a bundle (a handler's, or the app's as cdktf runs it): a source file, not an editor's scratch file. */
export function mayChangeBundle(file: string): boolean {
  return SOURCE_EXTENSIONS.has(extname(file)) && !isEditorArtifact(file);
}

/** Options of {@link FileWatcher}. */
export interface FileWatcherOptions {
  /** Quiet time after the last event that counts before {@link onSettled} is called, in ms. */
  readonly debounceMs: number;
  /**
   * Whether an event on `file` (a path joined to the watched folder) counts, asked as the event comes. Events on
   * editors' scratch files ({@link isEditorArtifact}) never do, and never reach it. @default every other file counts
   */
  readonly accepts?: (file: string) => boolean;
  /**
   * Called once a burst of counted events has ended, with the files they named and the `performance.now()` of the
   * first of them. Never called after {@link FileWatcher.close}.
   */
  readonly onSettled: (files: ReadonlySet<string>, firstEventAt: number) => void;
}

/** Watches folders and reports each settled burst of events; see the file's summary. */
export class FileWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  /** Files named by the events of the burst under way. */
  private pending = new Set<string>();
  private firstEventAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: FileWatcherOptions) {}

  /** The folders watched now. */
  get folders(): string[] {
    return [...this.watchers.keys()];
  }

  /**
   * Watches `folder`, with every folder under it when `recursive`, unless it is watched already (or the watcher is
   * closed). Throws when it cannot be watched. A watch that fails later (its folder removed) is dropped, so that a
   * later call can watch the folder again.
   */
  watch(folder: string, { recursive = false }: { readonly recursive?: boolean } = {}): void {
    if (this.closed || this.watchers.has(folder)) return;
    const watcher = watch(folder, { recursive }, (_event, name) => name && this.noticed(join(folder, name.toString())));
    watcher.on("error", () => {
      watcher.close();
      if (this.watchers.get(folder) === watcher) this.watchers.delete(folder);
    });
    this.watchers.set(folder, watcher);
  }

  /** Stops watching `folder`. */
  unwatch(folder: string): void {
    this.watchers.get(folder)?.close();
    this.watchers.delete(folder);
  }

  /** Stops every watch, and drops a burst that has not settled yet. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  /** Records an event's file and (re)starts the quiet-time timer. */
  private noticed(file: string): void {
    if (this.closed || isEditorArtifact(file) || this.options.accepts?.(file) === false) return;
    this.pending.add(file);
    this.firstEventAt ??= performance.now();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settle(), this.options.debounceMs);
  }

  private settle(): void {
    const files = this.pending;
    const firstEventAt = this.firstEventAt ?? performance.now();
    this.pending = new Set();
    this.firstEventAt = undefined;
    this.options.onSettled(files, firstEventAt);
  }
}
