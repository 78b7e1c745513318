import { ApiGatewayV2Client, Cors, GetApiCommand, GetIntegrationsCommand, GetRoutesCommand, Integration, Route } from "@aws-sdk/client-apigatewayv2";
import { DEFAULT_ROUTE_KEY, parseRouteKey, ParsedRouteKey, pathSegments } from "../../constructs/route-key";
import { functionNameOfArn, LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";

/**
 * The routes of an HTTP API as the local API server needs them: read from the emulator once, then matched against
 * requests the way API Gateway selects a route (most specific match: full match, then path variables, then a greedy
 * variable, then `$default`; see "Routing API requests" in the HTTP API developer guide).
 */


/** One route of the table, with the Lambda function its integration calls. */
export interface RouteEntry {
  /** As deployed: `GET /notes/{id}`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
  /** `NONE`, `AWS_IAM`, `JWT` or `CUSTOM`. */
  readonly authorizationType: string;
  /** `undefined` when the route has no target (API Gateway then answers 404 too) or a target that is not an integration. */
  readonly integrationId?: string;
  /** The function's name, taken from the integration URI. */
  readonly functionName?: string;
  /** The function's ARN, taken from the integration URI. */
  readonly functionArn?: string;
  /** `2.0` or `1.0`. */
  readonly payloadFormatVersion?: string;
}

/** An HTTP API's routes. */
export interface RouteTable {
  readonly apiId: string;
  readonly name?: string;
  /** `https://<apiId>.execute-api.<region>.amazonaws.com`, as GetApi reports it. */
  readonly apiEndpoint?: string;
  /** The API's CORS configuration, as GetApi reports it; `undefined` when it has none. */
  readonly cors?: Cors;
  readonly routes: readonly RouteEntry[];
}

/** The route that answers a request, and what it captured. */
export interface RouteMatch {
  readonly route: RouteEntry;
  readonly functionName?: string;
  readonly functionArn?: string;
  /** Decoded values of the route's path variables; a greedy `{proxy+}` holds the rest of the path, slashes included. */
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations`, as `invoke_arn` gives it. */
const INVOKE_URI = /^arn:[\w-]+:apigateway:[\w-]+:lambda:path\/[\d-]+\/functions\/(arn:[^/]+)\/invocations$/;

/** The function an integration URI calls; `undefined` for a URI that does not name a Lambda function (an HTTP integration). */
export function functionOfIntegrationUri(uri: string): { functionArn: string; functionName: string } | undefined {
  // HTTP APIs accept a bare function ARN as the URI too.
  const functionArn = INVOKE_URI.exec(uri)?.[1] ?? uri;
  const name = functionArn.startsWith("arn:") ? functionNameOfArn(functionArn) : undefined;
  return name === undefined ? undefined : { functionArn, functionName: name };
}

/** Options of {@link loadRoutes}. */
export interface LoadRoutesOptions {
  /** @default LOCAL_REGION */
  readonly region?: string;
}

/** Reads an HTTP API, its routes and its integrations from the emulator at `endpoint` (every page of each). */
export async function loadRoutes(endpoint: string, apiId: string, options: LoadRoutesOptions = {}): Promise<RouteTable> {
  const client = new ApiGatewayV2Client({ endpoint, region: options.region ?? LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const api = await client.send(new GetApiCommand({ ApiId: apiId }));
    const routes = await allPages<Route>((NextToken) => client.send(new GetRoutesCommand({ ApiId: apiId, NextToken })));
    const integrations = await allPages<Integration>((NextToken) => client.send(new GetIntegrationsCommand({ ApiId: apiId, NextToken })));
    const byId = new Map(integrations.map((i) => [i.IntegrationId, i]));
    return {
      apiId,
      name: api.Name,
      apiEndpoint: api.ApiEndpoint,
      cors: api.CorsConfiguration,
      routes: routes.map((route): RouteEntry => {
        const integrationId = /^integrations\/(\w+)$/.exec(route.Target ?? "")?.[1];
        const integration = integrationId === undefined ? undefined : byId.get(integrationId);
        const fn = integration?.IntegrationUri === undefined ? undefined : functionOfIntegrationUri(integration.IntegrationUri);
        return {
          routeKey: route.RouteKey!,
          authorizationType: route.AuthorizationType ?? "NONE",
          integrationId: integration ? integrationId : undefined,
          functionName: fn?.functionName,
          functionArn: fn?.functionArn,
          payloadFormatVersion: integration?.PayloadFormatVersion,
        };
      }),
    };
  } finally {
    client.destroy();
  }
}

async function allPages<T>(page: (token: string | undefined) => Promise<{ Items?: T[]; NextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const answer = await page(token);
    items.push(...(answer.Items ?? []));
    token = answer.NextToken;
  } while (token);
  return items;
}

/** How a route's path segment matches; lower is more specific. */
const Kind = { Literal: 0, Parameter: 1, Greedy: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Candidate {
  readonly route: RouteEntry;
  readonly kinds: readonly Kind[];
  readonly anyMethod: boolean;
  readonly pathParameters: Record<string, string>;
}

/**
 * The route API Gateway would pick for `method` and `path` (the request path, with or without a query string), or
 * `undefined` when none matches and there is no `$default` route: the caller answers 404 `{"message":"Not Found"}`.
 *
 * Order, as API Gateway documents it: a full match of path and method, then a match with path variables, then one
 * with a greedy variable, then `$default`. Among matches of the same kind, the route whose segments are more
 * specific from the left wins (`/pets/{id}/toys` over `/{kind}/1/toys` for `/pets/1/toys`), then a named method
 * over `ANY`.
 *
 * Methods are compared as sent (HTTP methods are case-sensitive: `get` matches `ANY` routes, not `GET` ones). A
 * trailing slash is part of the path: `/pets/` does not match `GET /pets`, and a `{param}` never matches an empty
 * segment. A greedy variable needs at least one character after its prefix, so `ANY /{proxy+}` does not take `/`.
 */
export function matchRoute(table: RouteTable, method: string, path: string): RouteMatch | undefined {
  const requestPath = path.split("?")[0];
  const requestSegments = requestPath === "/" ? [] : requestPath.replace(/^\//, "").split("/");
  let best: Candidate | undefined;
  for (const route of table.routes) {
    if (route.routeKey === DEFAULT_ROUTE_KEY) continue;
    const candidate = matchOne(route, method, requestPath, requestSegments);
    if (candidate && (!best || compare(candidate, best) < 0)) best = candidate;
  }
  if (best) return { route: best.route, functionName: best.route.functionName, functionArn: best.route.functionArn, pathParameters: best.pathParameters };
  const fallback = table.routes.find((r) => r.routeKey === DEFAULT_ROUTE_KEY);
  return fallback && { route: fallback, functionName: fallback.functionName, functionArn: fallback.functionArn, pathParameters: {} };
}

function matchOne(route: RouteEntry, method: string, requestPath: string, request: readonly string[]): Candidate | undefined {
  const parsed = parsedKey(route.routeKey);
  if (parsed?.method === undefined) return undefined;
  const anyMethod = parsed.method === "ANY";
  if (!anyMethod && parsed.method !== method) return undefined;
  if (!requestPath.startsWith("/")) return undefined;
  const segments = pathSegments(parsed);
  const kinds: Kind[] = [];
  const pathParameters: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === "greedy") {
      // The rest of the request path, from this segment on, slashes included; it must not be empty.
      const rest = request.slice(i).join("/");
      if (request.length <= i || rest === "") return undefined;
      kinds.push(Kind.Greedy);
      pathParameters[segment.name] = decode(rest);
      return { route, kinds, anyMethod, pathParameters };
    }
    if (i >= request.length) return undefined;
    if (segment.kind === "parameter") {
      if (request[i] === "") return undefined;
      kinds.push(Kind.Parameter);
      pathParameters[segment.name] = decode(request[i]);
    } else {
      if (segment.value !== request[i]) return undefined;
      kinds.push(Kind.Literal);
    }
  }
  if (request.length !== segments.length) return undefined;
  return { route, kinds, anyMethod, pathParameters };
}

/** A deployed route key parsed by the library's grammar; `undefined` for one it does not accept (such a route never matches). */
function parsedKey(routeKey: string): ParsedRouteKey | undefined {
  try {
    return parseRouteKey(routeKey);
  } catch {
    return undefined;
  }
}

/** Negative when `a` is the more specific match. */
function compare(a: Candidate, b: Candidate): number {
  const category = (c: Candidate) => Math.max(Kind.Literal, ...c.kinds);
  if (category(a) !== category(b)) return category(a) - category(b);
  for (let i = 0; i < Math.min(a.kinds.length, b.kinds.length); i++) {
    if (a.kinds[i] !== b.kinds[i]) return a.kinds[i] - b.kinds[i];
  }
  // Same shape up to the shorter one: for greedy routes, the longer prefix is more specific.
  if (a.kinds.length !== b.kinds.length) return b.kinds.length - a.kinds.length;
  return Number(a.anyMethod) - Number(b.anyMethod);
}

/** API Gateway decodes URL-encoded path parameters before it passes them on; a malformed escape stays as sent. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
