import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** What {@link contentHash} returns for a file that cannot be read (it is gone, or is a directory). */
const ABSENT = "absent";

/** The sha256 of a file's content, or {@link ABSENT}. */
export function contentHash(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return ABSENT;
  }
}
