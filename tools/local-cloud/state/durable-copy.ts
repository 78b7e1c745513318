import { chmodSync, closeSync, constants, copyFileSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Copies `source` to `target` whole or not at all, and durably: into a temporary file beside `target` (mode 0600,
 * named `<target>.<pid>.tmp`, which a state folder's next opening removes if this process dies), fsync, then a rename
 * over `target` (or, with `replace: false`, a link that fails with EEXIST when `target` exists, so that nothing is
 * overwritten even by a race), and an fsync of the folder. The copy keeps the source's modification time: when that
 * state was saved. Returns the bytes copied.
 */
export function copyDurably(source: string, target: string, options: { readonly replace: boolean }): number {
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    const { atime, mtime } = statSync(source);
    copyFileSync(source, temporary, constants.COPYFILE_EXCL);
    chmodSync(temporary, 0o600);
    utimesSync(temporary, atime, mtime);
    syncFile(temporary);
    if (options.replace) renameSync(temporary, target);
    else linkSync(temporary, target);
    syncFile(dirname(target));
    return statSync(target).size;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Flushes `path` (a file, or a folder's entries) to disk. */
export function syncFile(path: string): void {
  const descriptor = openSync(path, "r");
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
