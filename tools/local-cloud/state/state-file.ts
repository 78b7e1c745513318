import { closeSync, linkSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import { STATE_FILE_NAME } from "./cloud-state";

/**
 * What a state file of the local cloud is, seen from outside the cloud: its header, and the copies of it kept aside
 * (by a reset, a load, or moto/server.py when it cannot read one).
 */

/** The format moto/server.py writes at the head of every state file (its `FORMAT`). */
export const STATE_FORMAT = "api-auth-cognito-local-cloud-state/1";

/** How many bytes at the start of a file hold the header. */
const HEADER_BYTES = 256;

/** The header of a state file: which moto wrote it, when the header says. */
export interface StateFileHeader {
  /** The version of the moto that wrote it (`undefined` when the header does not say): another moto cannot read it. */
  readonly moto: string | undefined;
}

/**
 * The header of a state file from its first bytes, or `undefined` when they are not those of a state file.
 * server.py pickles `{"format": STATE_FORMAT, "moto": <version>}` first: a pickle starts with its PROTO opcode
 * (0x80), and pickle protocols 4 and 5 (the default since Python 3.8) write short strings as SHORT_BINUNICODE
 * (0x8c, a length byte, UTF-8), each followed by MEMOIZE (0x94).
 */
export function stateHeaderOf(bytes: Buffer): StateFileHeader | undefined {
  const head = bytes.subarray(0, HEADER_BYTES);
  if (head[0] !== 0x80 || !head.includes(shortString(STATE_FORMAT))) return undefined;
  return { moto: shortStringAfter(head, shortString("moto")) };
}

/** The header of the state file `file` (see {@link stateHeaderOf}); `undefined` when it is not one. */
export function readStateHeader(file: string): StateFileHeader | undefined {
  const bytes = Buffer.alloc(HEADER_BYTES);
  const descriptor = openSync(file, "r");
  try {
    return stateHeaderOf(bytes.subarray(0, readSync(descriptor, bytes, 0, HEADER_BYTES, 0)));
  } finally {
    closeSync(descriptor);
  }
}

/** `text` as a pickle's SHORT_BINUNICODE. */
function shortString(text: string): Buffer {
  const utf8 = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from([0x8c, utf8.length]), utf8]);
}

/** The short string pickled right after `key` (a dict's value), if there is one. */
function shortStringAfter(bytes: Buffer, key: Buffer): string | undefined {
  const at = bytes.indexOf(key);
  if (at < 0) return undefined;
  let next = at + key.length;
  if (bytes[next] === 0x94) next++;
  if (bytes[next] !== 0x8c || next + 2 + bytes[next + 1] > bytes.length) return undefined;
  return bytes.subarray(next + 2, next + 2 + bytes[next + 1]).toString("utf8");
}

/** Why a state file was kept aside: moto could not read it, the state was reset, or a snapshot was loaded over it. */
export type AsideReason = "unreadable" | "reset" | "before-load";

const ASIDE_REASONS: readonly AsideReason[] = ["unreadable", "reset", "before-load"];

/**
 * Keeps the state file `stateFile` also as `<stateFile>.<reason>-<time>` (the time as server.py writes it,
 * `20261207T201500`; `-2`, `-3`... when that name is taken), and returns that path. A hard link: `stateFile` stays
 * as it is until the caller replaces or removes it, so no moment is without either.
 */
export function keepAside(stateFile: string, reason: AsideReason, now = new Date()): string {
  const base = `${stateFile}.${reason}-${timestamp(now)}`;
  for (let attempt = 1; ; attempt++) {
    const aside = attempt === 1 ? base : `${base}-${attempt}`;
    try {
      linkSync(stateFile, aside);
      return aside;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** The state files kept aside in `folder` (by {@link keepAside}, or by server.py), as paths, oldest name first. */
export function asideFiles(folder: string): string[] {
  const aside = new RegExp(`^${STATE_FILE_NAME.replace(/\./g, "\\.")}\\.(${ASIDE_REASONS.join("|")})-\\d{8}T\\d{6}(-\\d+)?$`);
  return readdirSync(folder)
    .filter((name) => aside.test(name))
    .sort()
    .map((name) => join(folder, name));
}

/** `now` in local time as `YYYYMMDDTHHMMSS`, as server.py's `time.strftime('%Y%m%dT%H%M%S')` writes it. */
function timestamp(now: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}T${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
}
