import { executeApiArn } from "./execute-api-arn";
import { quoted, ValidationError } from "./validation";

/** HTTP methods an API Gateway HTTP API route can match; `ANY` matches them all. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"] as const;

/** One HTTP method of a route key. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The catch-all route key of an HTTP API. */
export const DEFAULT_ROUTE_KEY = "$default";

/** A route key taken apart. */
export interface ParsedRouteKey {
  /** The key as written, e.g. `GET /notes/{id}`. */
  readonly key: string;
  /** `GET`, or `ANY`; `undefined` for `$default`. */
  readonly method?: HttpMethod;
  /** `/notes/{id}`; `undefined` for `$default`. */
  readonly path?: string;
}

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const GREEDY_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\+\}$/;

/**
 * Parses `"METHOD /path"` (or `$default`) and throws a {@link ValidationError} naming the key when it is malformed.
 *
 * Path segments are literals (`notes`), parameters (`{id}`) or, last only, a greedy parameter (`{proxy+}`).
 */
export function parseRouteKey(key: string): ParsedRouteKey {
  if (key === DEFAULT_ROUTE_KEY) return { key };
  const fail = (why: string): never => {
    throw new ValidationError(
      `invalid route key ${quoted(key)}: ${why}; expected "METHOD /path" with METHOD one of ${HTTP_METHODS.join(", ")}, or "${DEFAULT_ROUTE_KEY}"`,
    );
  };
  const match = /^(\S+) (\/\S*)$/.exec(key);
  if (!match) return fail("not a method and a path separated by one space");
  const [, method, path] = match;
  if (!(HTTP_METHODS as readonly string[]).includes(method)) fail(`unknown method ${quoted(method)}`);
  if (path !== "/") {
    const segments = path.slice(1).split("/");
    segments.forEach((segment, index) => {
      const last = index === segments.length - 1;
      const ok = LITERAL_SEGMENT.test(segment) || PARAMETER_SEGMENT.test(segment) || (last && GREEDY_SEGMENT.test(segment));
      if (!ok) fail(`bad path segment ${quoted(segment)} (segments are literals, {param}, or a final {proxy+})`);
    });
  }
  return { key, method: method as HttpMethod, path };
}

/**
 * The ARN that matches this route in every stage of the API with execution ARN `apiExecutionArn`: for
 * `GET /notes/{id}` it is `<execution ARN>/STAGE/GET/notes/PARAM`, with STAGE and PARAM as `*` wildcards; `ANY`
 * becomes `*` too.
 */
export function routeArn(apiExecutionArn: string, route: ParsedRouteKey): string {
  if (route.method === undefined || route.path === undefined) return executeApiArn(apiExecutionArn, "*", DEFAULT_ROUTE_KEY);
  return executeApiArn(apiExecutionArn, "*", route.method === "ANY" ? "*" : route.method, route.path.replace(/\{[^}]+\}/g, "*"));
}

/** The part of {@link routeArn} after the API's execution ARN: `/STAGE/GET/notes/PARAM` with `*` wildcards, for `GET /notes/{id}`. */
export function routeArnSuffix(route: ParsedRouteKey): string {
  return routeArn("", route);
}

/** One segment of a route's path: a literal, a `{parameter}`, or a final greedy `{parameter+}`. */
export type PathSegment =
  | { readonly kind: "literal"; readonly value: string }
  | { readonly kind: "parameter"; readonly name: string }
  | { readonly kind: "greedy"; readonly name: string };

/** The segments of a parsed route's path (none for `/` and for `$default`). */
export function pathSegments(route: ParsedRouteKey): PathSegment[] {
  if (route.path === undefined || route.path === "/") return [];
  return route.path
    .slice(1)
    .split("/")
    .map((segment): PathSegment => {
      if (GREEDY_SEGMENT.test(segment)) return { kind: "greedy", name: segment.slice(1, -2) };
      if (PARAMETER_SEGMENT.test(segment)) return { kind: "parameter", name: segment.slice(1, -1) };
      return { kind: "literal", value: segment };
    });
}

/** The form two keys share when API Gateway would take them for the same route: parameter names dropped. */
export function routeSignature(route: ParsedRouteKey): string {
  return route.method === undefined ? route.key : `${route.method} ${route.path!.replace(/\{[^}]+?(\+?)\}/g, "{$1}")}`;
}
