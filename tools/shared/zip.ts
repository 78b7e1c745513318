import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { zipSync, Zippable } from "fflate";

/**
 * A zip of every file under `dir`: deflate, sorted paths, one fixed timestamp, and each entry's Unix mode as the
 * archive provider records it: `outputFileMode` (archive_file's `output_file_mode`, such as "0644") for every file,
 * or without it each file's own mode, which the umask of whoever wrote it decides.
 */
export function zipDirectory(dir: string, outputFileMode?: string): Uint8Array {
  const mode = outputFileMode === undefined ? undefined : parseFileMode(outputFileMode);
  const files: Zippable = {};
  for (const file of listFiles(dir)) {
    const attrs = externalAttributes(mode ?? statSync(file).mode);
    files[relative(dir, file).split("\\").join("/")] = [readFileSync(file), { mtime: ZIP_EPOCH, os: UNIX, attrs }];
  }
  return zipSync(files, { level: 6 });
}

/**
 * Every entry's timestamp: 1980-01-01 00:00, the first a zip can hold, in local time, because fflate writes the
 * local date and time fields. A UTC instant would be another date east of Greenwich and 1979, refused, west of it.
 */
const ZIP_EPOCH = new Date(1980, 0, 1);

/** The "version made by" host of Unix (APPNOTE 4.4.2): readers then take the high 16 bits of the attributes as st_mode. */
const UNIX = 3;
/** st_mode's type bits of a regular file. */
const S_IFREG = 0o100000;
/** The MS-DOS read-only attribute, which Go's archive/zip adds when the owner may not write. */
const MSDOS_READ_ONLY = 0x01;

/**
 * The external attributes Go's archive/zip writes for a regular file of `mode` (`FileHeader.SetMode`, which the
 * archive provider calls): st_mode in the high 16 bits, the MS-DOS read-only bit in the low ones.
 */
function externalAttributes(mode: number): number {
  // Multiplied, not shifted: a regular file's st_mode << 16 sets bit 31, and JavaScript's << makes that negative.
  return (S_IFREG | (mode & 0o7777)) * 0x10000 + (mode & 0o200 ? 0 : MSDOS_READ_ONLY);
}

/**
 * The permissions an `output_file_mode` gives every file. The archive provider parses it with Go's
 * `strconv.ParseUint(value, 0, 32)` (internal/provider/zip_archiver.go), a Go integer literal: "0644" is octal, but
 * "644" is decimal 644 there, mode 0204. So only a 0 and three octal digits are taken, and anything else is refused
 * rather than zipped differently from the provider.
 */
export function parseFileMode(value: string): number {
  if (!/^0[0-7]{3}$/.test(value)) {
    throw new Error(`invalid output_file_mode "${value}": expected an octal mode of a 0 and three digits 0-7, such as "0644" (the archive provider reads "644" as decimal 644, mode 0204)`);
  }
  return parseInt(value, 8);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
