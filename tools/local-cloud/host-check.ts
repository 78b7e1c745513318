/**
 * The front answers only requests addressed to it by a loopback name: a web page that rebinds its own DNS name to
 * 127.0.0.1 reaches the port, but its requests still carry its own name in `Host`, and are refused.
 */

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
