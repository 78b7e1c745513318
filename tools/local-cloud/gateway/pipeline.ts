import { randomUUID } from "node:crypto";
import { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { quoted } from "../../../constructs/validation";
import { signatureClaim } from "../auth/sigv4";
import { MotoClient } from "../moto/client";
import { AwsError, AwsResponse, errorResponse, Handler, isAwsJsonRequest, parseJsonObject, RestRoute, ServiceHandlers, signingScope } from "../protocol/aws-json";
import { ErrorProtocol, errorProtocolOf, refusal } from "../protocol/aws-refusals";
import { headerValue } from "../protocol/headers";
import { callerIdentityResponse, isGetCallerIdentity } from "../services/sts";
import { AccessControl, Caller } from "./access-control";
import { bodyLimitOf, declaredLength, readBodyWithin, tooLargeResponse } from "./body-limits";
import { isControlPath } from "./control-api";
import { corsHeaders, isPreflight, ownCorsHeaders, preflightAllowance } from "./cors";
import { hostRefusal, webPageRefusal } from "./host-check";
import { MotoProxy } from "./proxy";
import { failureResponse, send } from "./respond";
import { requestTargetRefusal } from "./request-target";

/**
 * The front's request pipeline: an ordered list of steps, each with one job, as LocalStack's handler chain
 * (`localstack/aws/handlers`). A step refuses or answers a request, or passes it on to the next one; the last step,
 * the proxy to moto, answers whatever is left. The order is the point: nothing reaches a service's handler or moto
 * before its `Host`, its web page, its target, its size and its caller were checked ({@link frontPipeline}); a
 * page's CORS preflight, which carries no signature, is answered before the caller is.
 */

/** One request on its way through the pipeline, and what the steps have learned of it. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The front's port: a request's `Host` must name it, and S3 virtual-hosted bucket names are read against it. */
  readonly port: number;
  /** The signing name of the request's credential scope, if it is signed (read, not yet verified). */
  readonly service: string | undefined;
  /** The most bytes of body the request may carry ({@link bodyLimitOf}). */
  readonly limit: number;
  /** Who signed the request, once access control admitted it; `undefined` on a front without access control. */
  caller?: Caller;
  /** The whole body, once a step needed it; a body no step read streams on to moto. */
  body?: Buffer;
}

/** A request the front admitted, as {@link PipelineOptions.onRequest} sees it. */
export interface ObservedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * What a step decides: the response that ends the request, `"answered"` when the step has answered it itself
 * (streaming), or `undefined` to pass the request on.
 */
export type StepOutcome = AwsResponse | "answered" | undefined;

/** One step of the pipeline. */
export type Step = (exchange: Exchange) => StepOutcome | Promise<StepOutcome>;

/** A step decided on the request's head alone, at once: a refusal, or `undefined` to pass the request on. */
type HeadCheck = (exchange: Exchange) => AwsResponse | undefined;

/** What the steps of one front work with. */
export interface PipelineOptions {
  /** moto itself, for the handlers' own lookups. */
  readonly moto: MotoClient;
  /** The way to moto for the requests the front forwards. */
  readonly proxy: MotoProxy;
  /** The services' gap-fillers: what the front answers itself in front of moto; the first that answers a request does. */
  readonly services: readonly ServiceHandlers[];
  /** The routes of the front's own control API (control-api.ts). @default none: every path under it is answered 404 */
  readonly control?: readonly RestRoute[];
  /** Who may do what. @default none: every request with a loopback `Host` is served (for tests of the pipeline itself) */
  readonly access?: AccessControl;
  /** Why moto is down, or `undefined` while it runs. @default moto is taken to run */
  readonly motoDown?: () => string | undefined;
  /** Sees every admitted request for AWS, with its whole body, before it is answered. @default none */
  readonly onRequest?: (request: ObservedRequest) => void;
}

/** The request as the pipeline starts it: nothing learned yet but what its head says. */
export function exchangeOf(req: IncomingMessage, res: ServerResponse, port: number): Exchange {
  const claim = signatureClaim(req.url ?? "/", req.headers);
  const service = typeof claim === "object" ? claim.service : undefined;
  return { req, res, port, service, limit: bodyLimitOf(service) };
}

/**
 * The checks decided on a request's head alone, whoever signed it: a foreign `Host` or web page, a loopback page's
 * CORS preflight (answered here; from here on, every answer to such a page carries CORS headers), a target that is
 * not a path or is moto's own API, a declared body over its service's limit. The server runs them before
 * `100 Continue` too, so that a client that asks first never sends a body that would be refused.
 */
const HEAD_CHECKS: readonly HeadCheck[] = [hostCheck, webPageCheck, corsCheck, targetCheck, declaredSizeCheck];

/** The steps of one front, in the order they run. */
export function frontPipeline(options: PipelineOptions): readonly Step[] {
  return [
    ...HEAD_CHECKS,
    motoHealth(options.motoDown),
    accessCheck(options.access),
    controlApi(options.control ?? [], options),
    roleCallerIdentity,
    observe(options.onRequest),
    jsonObjectBody,
    serviceHandlers(options.services, options),
    forwardToMoto(options.proxy),
  ];
}

/** The refusal (or a preflight's answer) of the {@link HEAD_CHECKS}, if any. */
export function headRefusal(exchange: Exchange): AwsResponse | undefined {
  for (const check of HEAD_CHECKS) {
    const refused = check(exchange);
    if (refused) return refused;
  }
  return undefined;
}

/** Runs `steps` until one answers, and sends its answer. */
export async function runPipeline(steps: readonly Step[], exchange: Exchange): Promise<void> {
  for (const step of steps) {
    const outcome = await step(exchange);
    if (outcome === "answered") return;
    if (outcome !== undefined) return send(exchange.res, outcome);
  }
}

/** The answer to a request whose handling threw, in the request's error protocol. */
export function failureOf(exchange: Exchange, error: Error): AwsResponse {
  return failureResponse(protocolOf(exchange), error);
}

/** Refuses a request addressed by a name other than the front's loopback ones (host-check.ts). */
function hostCheck(exchange: Exchange): AwsResponse | undefined {
  const reason = hostRefusal(exchange.req.headers.host, exchange.port);
  return reason === undefined ? undefined : refusal(protocolOf(exchange), "accessDenied", reason);
}

/**
 * Refuses a request a web page of another origin made, by its `Origin` (not `Sec-Fetch-Site`, which says
 * `cross-site` for a page on localhost:5173 calling 127.0.0.1); without `Origin`, an image or link of another site
 * by `Sec-Fetch-Site` (host-check.ts). The refusal carries no CORS headers: the page may not read it.
 */
function webPageCheck(exchange: Exchange): AwsResponse | undefined {
  const { headers } = exchange.req;
  const reason = webPageRefusal(headerValue(headers, "origin"), headerValue(headers, "sec-fetch-site"));
  return reason === undefined ? undefined : refusal(protocolOf(exchange), "accessDenied", reason);
}

/**
 * For a page on loopback (the only origin {@link webPageCheck} lets through): answers its preflight, 200 with what
 * it may send, or 403 naming the method or header it may not; and makes every answer to it carry the CORS headers,
 * refusals and moto's answers included (cors.ts). A request without `Origin` passes untouched.
 */
function corsCheck(exchange: Exchange): AwsResponse | undefined {
  const { req, res } = exchange;
  const origin = headerValue(req.headers, "origin");
  if (origin === undefined) return undefined;
  if (!isPreflight(req.method, req.headers)) {
    ownCorsHeaders(res, corsHeaders(origin));
    return undefined;
  }
  const allowance = preflightAllowance(req.headers);
  if ("refused" in allowance) {
    ownCorsHeaders(res, corsHeaders(origin));
    return refusal(protocolOf(exchange), "accessDenied", allowance.refused);
  }
  ownCorsHeaders(res, { ...corsHeaders(origin), ...allowance.allowed });
  return { status: 200, headers: { "x-amzn-requestid": randomUUID() }, body: Buffer.alloc(0) };
}

/** Refuses a target that is not a path, or that reaches moto's own API however it is spelled (request-target.ts). */
function targetCheck(exchange: Exchange): AwsResponse | undefined {
  const reason = requestTargetRefusal(exchange.req.url ?? "/");
  return reason === undefined ? undefined : refusal(protocolOf(exchange), "accessDenied", reason);
}

/** Refuses a body whose `Content-Length` is over its service's limit, before any of it is read (body-limits.ts). */
function declaredSizeCheck(exchange: Exchange): AwsResponse | undefined {
  const declared = declaredLength(exchange.req.headers);
  return declared !== undefined && declared > exchange.limit ? tooLargeResponse(protocolOf(exchange), exchange.limit, declared) : undefined;
}

/** While moto is down, answers every request 503 naming what died and what to run, rather than failing on the way to it. */
function motoHealth(motoDown: PipelineOptions["motoDown"]): Step {
  return (exchange) => {
    const reason = motoDown?.();
    if (reason === undefined) return undefined;
    const message = `the local cloud's emulator is down: ${reason}; stop this local cloud and start it again (npm run local:up or npm run dev)`;
    return refusal(protocolOf(exchange), "serviceUnavailable", message);
  };
}

/**
 * Authenticates the caller and, for role credentials, authorizes the call (access-control.ts); reads the body only
 * when the signature covers it, so that large S3 uploads keep streaming.
 */
function accessCheck(access: AccessControl | undefined): Step {
  return async (exchange) => {
    if (!access) return undefined;
    const { req } = exchange;
    const admission = await access.admit({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, () => readBodyWithin(req, exchange.limit), exchange.port);
    if (!admission.ok) return admission.response;
    exchange.caller = admission.caller;
    exchange.body = admission.body;
    return undefined;
  };
}

/**
 * The front's own control API (control-api.ts): served only to the local key pair; a path under it that names no
 * operation is answered 404 here, as none of it is moto's.
 */
function controlApi(routes: readonly RestRoute[], options: PipelineOptions): Step {
  return async (exchange) => {
    const { req } = exchange;
    if (!isControlPath(req.url ?? "/")) return undefined;
    if (exchange.caller && exchange.caller.kind !== "local") {
      return refusal(protocolOf(exchange), "accessDenied", "the local cloud's control API (/_local-cloud/) serves only requests signed with the local key pair");
    }
    const handler = routeHandlerOf(routes, req);
    if (!handler) return errorResponse(new AwsError(404, "ResourceNotFoundException", `the local cloud's control API has no operation ${req.method} ${quoted(req.url)}`));
    return answer(exchange, handler, options);
  };
}

/** Answers STS `GetCallerIdentity` for role credentials the local cloud minted, which moto does not know (services/sts). */
function roleCallerIdentity(exchange: Exchange): StepOutcome {
  const { caller } = exchange;
  if (caller?.kind !== "role" || exchange.service !== "sts" || !isGetCallerIdentity(exchange.req.url ?? "/", exchange.body)) return undefined;
  return callerIdentityResponse(caller);
}

/** Shows the request, with its whole body, to an observer (to record the calls of a deploy). */
function observe(onRequest: PipelineOptions["onRequest"]): Step {
  return async (exchange) => {
    if (!onRequest) return undefined;
    const { req } = exchange;
    onRequest({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: await wholeBody(exchange) });
    return undefined;
  };
}

/** Refuses an AWS JSON request whose body is not a JSON object with AWS's 400; moto answers an HTML 500, or takes it for `{}`. */
async function jsonObjectBody(exchange: Exchange): Promise<StepOutcome> {
  if (isAwsJsonRequest(exchange.req.method, exchange.req.headers)) parseJsonObject(await wholeBody(exchange));
  return undefined;
}

/** The services' gap-fillers: a POST whose `X-Amz-Target` has a handler, or a request a REST route matches, is answered here. */
function serviceHandlers(services: readonly ServiceHandlers[], options: PipelineOptions): Step {
  const handlers: Readonly<Record<string, Handler>> = Object.assign({}, ...services.map((service) => service.handlers));
  const routes = services.flatMap((service) => service.routes ?? []);
  return async (exchange) => {
    const { req } = exchange;
    const target = headerValue(req.headers, "x-amz-target");
    const handler = target !== undefined ? (req.method === "POST" ? handlers[target] : undefined) : routeHandlerOf(routes, req);
    return handler && answer(exchange, handler, options);
  };
}

/** Forwards the request to moto, and moto's answer back (proxy.ts). */
function forwardToMoto(proxy: MotoProxy): Step {
  return (exchange) => {
    proxy.stream(exchange.req, exchange.res, exchange.limit, protocolOf(exchange), exchange.body);
    return "answered";
  };
}

/** The handler of the first of `routes` that matches the request's method and path. */
function routeHandlerOf(routes: readonly RestRoute[], req: IncomingMessage): Handler | undefined {
  const path = (req.url ?? "/").split("?")[0];
  for (const route of routes) {
    const match = route.method === req.method ? route.path.exec(path) : null;
    if (match) return (request, context) => route.handler(request, context, match);
  }
  return undefined;
}

/** A local handler's answer to the request, with its whole body; what it throws becomes the error AWS would send. */
async function answer(exchange: Exchange, handler: Handler, options: PipelineOptions): Promise<AwsResponse> {
  const { req } = exchange;
  const body = await wholeBody(exchange);
  const request = {
    target: headerValue(req.headers, "x-amz-target") ?? "",
    method: req.method ?? "GET",
    path: req.url ?? "/",
    headers: req.headers,
    body,
    ...signingScope(headerValue(req.headers, "authorization")),
  };
  try {
    return await handler(request, { moto: options.moto, forward: () => options.proxy.forward(req, body) });
  } catch (error) {
    return failureResponse(protocolOf(exchange), error as Error);
  }
}

/** The request's body, read within its limit the first time a step needs it. */
async function wholeBody(exchange: Exchange): Promise<Buffer> {
  return (exchange.body ??= await readBodyWithin(exchange.req, exchange.limit));
}

/** How the request's service words its errors. */
function protocolOf(exchange: Exchange): ErrorProtocol {
  return errorProtocolOf(exchange.service, exchange.req.headers);
}
