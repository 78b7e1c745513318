import type { Cors } from "@aws-sdk/client-apigatewayv2";
import type { IncomingHttpHeaders } from "node:http";
import type { HttpResponse } from "./payload-v2";

/**
 * An HTTP API's CORS configuration applied as API Gateway applies it ("Configure CORS for HTTP APIs", API Gateway
 * developer guide): with a configuration, API Gateway answers preflight `OPTIONS` requests itself, even when no
 * OPTIONS route exists, and adds the configured CORS headers to the responses of integrations, ignoring any CORS
 * headers the integration returned. CORS headers are sent only to requests with an `Origin` header; a preflight is
 * an `OPTIONS` request with both `Origin` and `Access-Control-Request-Method`.
 *
 * What the guide leaves open, and how this module answers it (as HTTP APIs were seen to answer):
 * - a preflight is `204 No Content`, with no body;
 * - a preflight whose origin, method or requested headers the configuration does not allow is still 204, but
 *   carries no CORS headers at all, so the browser refuses the actual request;
 * - a route that matches the `OPTIONS` request (an `ANY` or `OPTIONS` route, or `$default`) takes it instead, auth
 *   included: the guide's advice for `$default` with an authorizer is an unauthenticated `OPTIONS /{proxy+}` route.
 *   The caller decides that (it knows the routes); {@link preflightResponse} only builds the answer.
 */

/** Response headers API Gateway owns when CORS is configured: an integration's own are dropped. */
const CORS_RESPONSE_HEADERS = [
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-expose-headers",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-max-age",
];

/** Whether a request is a CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && headers.origin !== undefined && headers["access-control-request-method"] !== undefined;
}

/**
 * API Gateway's own answer to a preflight, for the API's configuration `cors`: 204 with
 * `access-control-allow-origin`, `-allow-methods`, `-allow-headers` (when configured), `-max-age` (when configured),
 * `-allow-credentials` (when true) and `-expose-headers` (when configured), or a bare 204 when the origin, the
 * requested method or a requested header is not allowed.
 */
export function preflightResponse(cors: Cors, headers: IncomingHttpHeaders): HttpResponse {
  const origin = allowedOrigin(cors, headers.origin);
  const method = String(headers["access-control-request-method"] ?? "");
  const requested = listOf(headers["access-control-request-headers"]);
  const allowed = origin !== undefined && allowsMethod(cors, method) && requested.every((name) => allowsHeader(cors, name));
  if (!allowed) return { statusCode: 204, headers: {}, body: Buffer.alloc(0) };
  const out: Record<string, string> = { ...originHeaders(cors, origin) };
  out["access-control-allow-methods"] = (cors.AllowMethods ?? []).join(",");
  if (cors.AllowHeaders?.length) out["access-control-allow-headers"] = cors.AllowHeaders.join(",");
  if (cors.MaxAge !== undefined && cors.MaxAge >= 0) out["access-control-max-age"] = String(cors.MaxAge);
  return { statusCode: 204, headers: out, body: Buffer.alloc(0) };
}

/**
 * An integration's response as API Gateway sends it when the API has the CORS configuration `cors`: the
 * integration's CORS headers removed, and `access-control-allow-origin` (with `-allow-credentials` and
 * `-expose-headers` when configured) added when the request's `Origin` is allowed. Without a configuration the
 * response is returned unchanged.
 */
export function withCorsHeaders(cors: Cors | undefined, headers: IncomingHttpHeaders, response: HttpResponse): HttpResponse {
  if (cors === undefined) return response;
  const kept = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !CORS_RESPONSE_HEADERS.includes(name.toLowerCase())));
  const origin = allowedOrigin(cors, headers.origin);
  return { ...response, headers: origin === undefined ? kept : { ...kept, ...originHeaders(cors, origin) } };
}

/** The headers every CORS answer to an allowed origin carries. */
function originHeaders(cors: Cors, origin: string): Record<string, string> {
  const out: Record<string, string> = { "access-control-allow-origin": origin };
  if (cors.AllowCredentials === true) out["access-control-allow-credentials"] = "true";
  if (cors.ExposeHeaders?.length) out["access-control-expose-headers"] = cors.ExposeHeaders.join(",");
  return out;
}

/**
 * The value of `access-control-allow-origin` for a request from `origin`: `*` when every origin is allowed (and
 * credentials are not: API Gateway refuses that combination at deploy), else the origin itself when it is listed or
 * matches a listed wildcard subdomain (`https://*.example.com`); `undefined` when it is not allowed or absent.
 */
function allowedOrigin(cors: Cors, origin: string | string[] | undefined): string | undefined {
  if (typeof origin !== "string" || origin === "") return undefined;
  const origins = cors.AllowOrigins ?? [];
  if (origins.includes("*")) return cors.AllowCredentials === true ? origin : "*";
  const requested = origin.toLowerCase();
  return origins.some((allowed) => originMatches(allowed.toLowerCase(), requested)) ? origin : undefined;
}

function originMatches(allowed: string, origin: string): boolean {
  const wildcard = allowed.indexOf("://*.");
  if (wildcard < 0) return allowed === origin;
  const scheme = allowed.slice(0, wildcard + 3);
  const suffix = allowed.slice(wildcard + 4);
  return origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length && !origin.slice(scheme.length, -suffix.length).includes("/");
}

/** Methods are case-sensitive in HTTP; `*` allows any. */
function allowsMethod(cors: Cors, method: string): boolean {
  const methods = cors.AllowMethods ?? [];
  return method !== "" && (methods.includes("*") || methods.includes(method));
}

/** Header names are case-insensitive; `*` allows any. */
function allowsHeader(cors: Cors, name: string): boolean {
  const allowed = (cors.AllowHeaders ?? []).map((header) => header.toLowerCase());
  return allowed.includes("*") || allowed.includes(name.toLowerCase());
}

/** A comma-separated header as trimmed, non-empty items. */
function listOf(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}
