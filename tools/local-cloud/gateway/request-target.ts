import { quoted } from "../../../constructs/validation";

/**
 * Which request targets the front serves: a path (origin-form, `/...`, the only form AWS clients send) that does not
 * reach moto's own API (`/moto-api/`, which resets and rewrites the emulator), however it is spelled.
 *
 * moto decides on the path as werkzeug hands it over, not as it was sent: werkzeug's server percent-decodes the path
 * once (`/%6Doto-api` is `/moto-api`), reads a target that starts with `//` as `//<netloc><path>` and joins them back
 * (`//moto-api/reset` and `///moto-api/reset` are `/moto-api/reset`), takes the path of an absolute-form target
 * (`http://x/moto-api/reset`), and moto then routes every path that starts with `/moto-api` to its own API. So the
 * front decides on a spelling that is at least as far reduced as any of those: decoded until nothing is left to
 * decode (so a double encoding, `%256D`, is caught too, should anything on the way decode twice), backslashes as
 * slashes, `;` parameters and dot segments removed, repeated slashes joined, case folded. That reduction only decides;
 * the target moto gets is the one the client sent, so an S3 key with `%2F` or `..` in it keeps its meaning.
 */

/** What moto hands to its own API: every path that starts with this (moto_server/werkzeug_app.py, `get_application`). */
const MOTO_API_PREFIX = "/moto-api";

/**
 * Why the front refuses to serve a request target, or `undefined` when it serves it: a target that is not a path
 * (absolute-form `http://host/...`, `*`), or one moto would route to its own API.
 */
export function requestTargetRefusal(target: string): string | undefined {
  if (!target.startsWith("/")) {
    return `the local cloud serves request targets that are paths (/...), as AWS clients send them, not ${quoted(target)}`;
  }
  // Bucket names that start with "moto-api" are refused with it, path-style: moto would hand them to its own API too.
  if (reducedPath(target).startsWith(MOTO_API_PREFIX)) {
    return `the local cloud does not serve moto's own API (/moto-api/) through its front, however its path is spelled (${quoted(target)}): it would let any caller reset or rewrite the emulator's state`;
  }
  return undefined;
}

/**
 * The path of an origin-form target reduced as far as any server on the way could reduce it: query and fragment cut,
 * percent-escapes decoded until none is left, `\` read as `/`, `;` parameters and `.`/`..` segments removed, empty
 * segments dropped, lower case. For deciding only, never for forwarding.
 */
export function reducedPath(target: string): string {
  let path = target.split(/[?#]/, 1)[0];
  for (let decoded = percentDecoded(path); decoded !== path; decoded = percentDecoded(path)) path = decoded;
  const segments: string[] = [];
  for (const raw of path.replace(/\\/g, "/").split("/")) {
    const segment = raw.split(";", 1)[0];
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`.toLowerCase();
}

/** `text` with each `%XX` escape decoded as a byte, as Python's `unquote` does: bytes read as UTF-8, malformed escapes kept. */
function percentDecoded(text: string): string {
  if (!text.includes("%")) return text;
  // On the UTF-8 bytes: `%` and hex digits are ASCII, so an escape is found the same way, and decodes to its byte.
  const input = Buffer.from(text, "utf8");
  const output = Buffer.alloc(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const hex = input[i] === 0x25 ? input.subarray(i + 1, i + 3).toString("latin1") : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      output[length++] = parseInt(hex, 16);
      i += 2;
    } else {
      output[length++] = input[i];
    }
  }
  return output.subarray(0, length).toString("utf8");
}
