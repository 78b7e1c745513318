/**
 * The front answers only requests addressed to it by a loopback name: a web page that rebinds its own DNS name to
 * 127.0.0.1 reaches the port, but its requests still carry its own name in `Host`, and are refused. Nor does it
 * answer requests a web page of another origin makes: the local key pair is published, so such a page could
 * otherwise presign a request with it (an `<img>` or a form needs no CORS) and change the local cloud. Pages on
 * loopback may call it, and get CORS answers (cors.ts).
 */

/**
 * Loopback origins, the only web pages that may call the front: `http` or `https`, any port, on `127.0.0.1`, `[::1]`,
 * `localhost` or a name under `.localhost` (RFC 6761: browsers resolve those to loopback themselves). An origin is a
 * scheme, a host and a port only, as browsers send it: no path, no user, no `null` (a sandboxed or `file://` page).
 */
const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|\[::1\]|localhost|[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost)(:\d{1,5})?$/i;

/**
 * Why a request's `Host` is refused, or `undefined` when it is one the front serves: `127.0.0.1:<port>`,
 * `localhost:<port>`, or `<bucket>.localhost:<port>` (S3 virtual-hosted style), with the front's own port.
 */
export function hostRefusal(host: string | undefined, port: number): string | undefined {
  const allowed = `127.0.0.1:${port}, localhost:${port} or <bucket>.localhost:${port}`;
  if (host === undefined || host === "") return `the local cloud refuses a request without a Host header: expected ${allowed}`;
  const name = host.toLowerCase();
  if (name === `127.0.0.1:${port}` || name === `localhost:${port}`) return undefined;
  // One DNS label before .localhost, as S3 buckets are named in virtual-hosted style.
  if (/^[a-z0-9][a-z0-9.-]{0,62}\.localhost:\d+$/.test(name) && name.endsWith(`.localhost:${port}`) && !name.slice(0, -`.localhost:${port}`.length).includes("..")) return undefined;
  return `the local cloud refuses Host '${host.slice(0, 200)}': it serves only ${allowed}`;
}

/** Whether `origin` (a request's `Origin` header) is a page on loopback ({@link LOOPBACK_ORIGIN}). */
export function isLoopbackOrigin(origin: string): boolean {
  return LOOPBACK_ORIGIN.test(origin);
}

/**
 * Why a request made by a web page is refused, or `undefined` when no browser made it or the page is on loopback: a
 * browser names the page's origin in `Origin` (CORS and form requests) and says `Sec-Fetch-Site: cross-site` even for
 * an image or a link, which carry no `Origin`. The AWS CLI, the SDKs and Terraform send neither.
 */
export function webPageRefusal(origin: string | undefined, fetchSite: string | undefined): string | undefined {
  if (origin !== undefined) {
    return isLoopbackOrigin(origin) ? undefined : `the local cloud refuses requests from web pages of other origins (Origin '${origin.slice(0, 200)}'): only pages on 127.0.0.1 or localhost may call it`;
  }
  if (fetchSite === "cross-site" || fetchSite === "same-site") return `the local cloud refuses requests a web page of another site made (Sec-Fetch-Site: ${fetchSite})`;
  return undefined;
}
