import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileWatcher, isEditorArtifact, mayChangeBundle } from "../../../../tools/shared/file-watcher";

describe("which file events can change a bundle", () => {
  test.each(["/p/lambdas/.public.ts.swp", "/p/lambdas/.public.ts.swx", "/p/lambdas/.public.ts.swo", "/p/lambdas/public.ts~", "/p/lambdas/4913", "/p/lambdas/.#public.ts", "/p/lambdas/#public.ts#"])(
    "%s is an editor's scratch file",
    (file) => {
      expect(isEditorArtifact(file)).toBe(true);
      expect(mayChangeBundle(file)).toBe(false);
    },
  );

  test.each(["/p/lambdas/public.ts", "/p/lambdas/log.js", "/p/lambdas/data.json", "/p/lambdas/swap.ts"])("%s may change a bundle", (file) => {
    expect(isEditorArtifact(file)).toBe(false);
    expect(mayChangeBundle(file)).toBe(true);
  });

  test("files esbuild never resolves (sed -i's temporary file, notes) cannot", () => {
    expect(mayChangeBundle("/p/lambdas/sedAb12Cd")).toBe(false);
    expect(mayChangeBundle("/p/lambdas/NOTES.md")).toBe(false);
  });
});

describe("FileWatcher", () => {
  let dir: string;
  let watcher: FileWatcher | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "file-watcher-"));
  });

  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A watcher whose next settled burst the returned promise resolves with. */
  function watching(accepts?: (file: string) => boolean): { watcher: FileWatcher; settled: () => Promise<ReadonlySet<string>> } {
    const bursts: Array<(files: ReadonlySet<string>) => void> = [];
    watcher = new FileWatcher({ debounceMs: 50, accepts, onSettled: (files) => bursts.shift()?.(files) });
    return { watcher, settled: () => new Promise((resolve) => bursts.push(resolve)) };
  }

  test("a burst of events settles once, with every file it named; editors' scratch files and files not accepted are left out", async () => {
    const { watcher, settled } = watching((file) => !file.endsWith(".md"));
    watcher.watch(dir);
    const burst = settled();
    writeFileSync(join(dir, ".a.ts.swp"), "scratch");
    writeFileSync(join(dir, "NOTES.md"), "notes");
    writeFileSync(join(dir, "a.ts"), "a");
    writeFileSync(join(dir, "b.ts"), "b");
    expect([...(await burst)].sort()).toEqual([join(dir, "a.ts"), join(dir, "b.ts")]);
  });

  test("a recursive watch names files in folders under the watched one", async () => {
    mkdirSync(join(dir, "stacks"));
    const { watcher, settled } = watching();
    watcher.watch(dir, { recursive: true });
    const burst = settled();
    writeFileSync(join(dir, "stacks", "stage.ts"), "s");
    expect([...(await burst)]).toContain(join(dir, "stacks", "stage.ts"));
  });

  test("watch, unwatch and close keep the list of watched folders", () => {
    mkdirSync(join(dir, "a"));
    const { watcher } = watching();
    watcher.watch(dir);
    watcher.watch(dir);
    watcher.watch(join(dir, "a"));
    expect(watcher.folders).toEqual([dir, join(dir, "a")]);
    watcher.unwatch(dir);
    expect(watcher.folders).toEqual([join(dir, "a")]);
    watcher.close();
    watcher.watch(dir);
    expect(watcher.folders).toEqual([]);
  });

  test("a folder that cannot be watched throws", () => {
    const { watcher } = watching();
    expect(() => watcher.watch(join(dir, "missing"))).toThrow(/ENOENT/);
  });
});
