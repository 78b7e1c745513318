import { randomUUID } from "node:crypto";
import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, request as httpRequest, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { AccessControl } from "./gateway/access-control";
import { apiStageUpdateRoutes } from "./services/apigatewayv2/stage-updates";
import { quoted } from "../../constructs/validation";
import { AwsError, AwsResponse, errorResponse, Handler, isAwsJsonRequest, jsonResponse, parseJsonObject, RestRoute, signingScope } from "./protocol/aws-json";
import { errorProtocolOf, refusal } from "./protocol/aws-refusals";
import { BodyLimit, bodyLimitOf, BodyTooLarge, declaredLength, readBodyWithin } from "./gateway/body-limits";
import { callerIdentityResponse, isGetCallerIdentity } from "./services/sts/caller-identity";
import { CloudView } from "./cloud-view";
import { controlRoutes, isControlPath } from "./gateway/control-api";
import { hostRefusal, webPageRefusal } from "./gateway/host-check";
import { identityHandlers, IdentityStore } from "./services/cognito-identity/identities";
import { identityPoolRoleHandlers, IdentityPoolRoleStore } from "./services/cognito-identity/identity-pool-roles";
import { lambdaCodeRoutes, LambdaCodeStore, layerRoutes } from "./services/lambda/lambda-code";
import { warmUpMoto } from "./moto/warm-up";
import { lambdaLoggingConfigRoutes } from "./services/lambda/lambda-logging-config";
import { MOTO_CONNECTIONS, MotoServer, startMoto } from "./moto/process";
import { userPoolSignInHandlers, UserPoolSignInStore } from "./services/cognito-idp/user-pool-sign-in";
import { userPoolUpdateHandlers } from "./services/cognito-idp/user-pool-updates";
import { signatureClaim } from "./auth/request-signature";
import { requestTargetRefusal } from "./gateway/request-target";
import { RoleSessionStore } from "./auth/role-sessions";

/**
 * The local cloud's front door on loopback: a request router that answers the operations moto lacks itself and
 * forwards everything else to moto unchanged, streaming bodies both ways where no signature needs them. It serves
 * only requests addressed to a loopback name (`Host`), never moto's own `/moto-api/` however spelled
 * (`request-target.ts`), no body over its service's limit (`body-limits.ts`), no AWS JSON request whose body is not a
 * JSON object, and, in a local cloud, only requests its access control admits (`access-control.ts`).
 */

/**
 * Hop-by-hop headers describe one connection, not the request: they are not forwarded. `expect` too: the front
 * has already accepted the body (Node answers `100 Continue` itself), so moto need not be asked again.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect"]);

/** A running front. */
export interface Front {
  /** `http://127.0.0.1:<port>`: point AWS clients here. */
  readonly endpoint: string;
  /** Closes the server, including idle keep-alive connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** moto behind a front that fills its gaps: one endpoint for every service. */
export interface LocalCloud extends CloudView {
  /** The front, `http://127.0.0.1:<port>`: point AWS clients and Terraform here. */
  readonly endpoint: string;
  /** A new random id per start: what was deployed to one instance is not in the next. */
  readonly instanceId: string;
  /** moto itself, for looking behind the front from this process: other processes' connections are dropped. */
  readonly motoEndpoint: string;
  /** The Unix socket moto listens on, in a directory only this user may enter. */
  readonly motoSocketPath: string;
  /** The identities and temporary credentials the front has issued, to verify signed requests against. */
  readonly identities: IdentityStore;
  /** The code and configuration of every Lambda function created through the front, to run them locally. */
  readonly lambdaCode: LambdaCodeStore;
  /**
   * Role sessions: `roleSessions.issue(roleArn, sessionName)` mints credentials of a role (a Lambda function's
   * execution role, with the function's name as session name) that the front accepts and authorizes against the
   * role's identity policies.
   */
  readonly roleSessions: RoleSessionStore;
  /** The pid of the `moto_server` process. */
  readonly motoPid: number;
  /**
   * Resolves with one line saying what happened if moto exits or stops answering before `stop()` (see
   * {@link MotoServer.died}); never resolves otherwise. Meanwhile the front answers 503 naming it.
   */
  readonly died: Promise<string>;
  /** Stops the front, then moto. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /** File that receives moto's output (appended). @default output is discarded */
  readonly logFile?: string;
  /**
   * Receives one line the first time a call with role credentials is let through without an IAM check (a service or
   * operation the local cloud does not authorize). @default notes are discarded
   */
  readonly onNote?: (note: string) => void;
  /** The front's port on 127.0.0.1. @default 0, a free port */
  readonly port?: number;
  /** S3 buckets to create at start, such as the local state bucket, so Terraform's S3 backend finds it. @default none */
  readonly buckets?: readonly string[];
  /** Sees every request the front admits, with its body, before it is answered (to record the calls of a deploy). @default none */
  readonly onRequest?: (request: ObservedRequest) => void;
  /**
   * Whether moto builds the routers of the services the stacks use right after it starts (moto-warm-up.ts), so that a
   * deploy finds them ready: about 0.65 s of moto's CPU, spent for nothing by a cloud that is not deployed to.
   * @default true
   */
  readonly warmUp?: boolean;
}

/** A request the front admitted, as {@link LocalCloudOptions.onRequest} sees it. */
export interface ObservedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Options of {@link startFront}. */
export interface FrontOptions {
  /**
   * The access checks every request passes before it is answered or forwarded. @default none: every request with a
   * loopback `Host` is served (for tests of the router itself; {@link startLocalCloud} always sets one)
   */
  readonly access?: AccessControl;
  /** moto's Unix socket: requests go there directly rather than through `motoEndpoint`. @default `motoEndpoint` */
  readonly motoSocketPath?: string;
  /** Port on 127.0.0.1; a taken port rejects with Node's `EADDRINUSE` error. @default 0, a free port */
  readonly port?: number;
  /**
   * Why moto is down, or `undefined` while it runs: while it is down every request is answered 503 with that reason,
   * rather than failing on the way to moto. @default moto is taken to run
   */
  readonly motoDown?: () => string | undefined;
  /** Sees every admitted request, with its whole body, before it is answered. @default none */
  readonly onRequest?: (request: ObservedRequest) => void;
}

/** Starts moto and its front on loopback (a free port unless `options.port`), with the handlers for what moto lacks. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const moto = await startMoto({ logFile: options.logFile });
  let front: Front;
  let identities: IdentityStore;
  const lambdaCode = new LambdaCodeStore();
  const roleSessions = new RoleSessionStore();
  const instanceId = randomUUID();
  try {
    // One store per cloud, so that two clouds (two test files) never share state. Add more handler tables here.
    const roles = new IdentityPoolRoleStore();
    identities = new IdentityStore(roles);
    const handlers: Record<string, Handler> = { ...identityPoolRoleHandlers(roles), ...identityHandlers(identities), ...userPoolSignInHandlers(new UserPoolSignInStore()), ...userPoolUpdateHandlers() };
    // The roles' policies are read through the front itself, with the local key pair: moto is reached only through it.
    let endpoint = "";
    const access = new AccessControl({ identities, roleSessions, iamEndpoint: () => endpoint, onNote: options.onNote });
    const restRoutes = [...controlRoutes({ instanceId, identities, lambdaCode, roleSessions }), ...layerRoutes(lambdaCodeRoutes(lambdaCode), lambdaLoggingConfigRoutes(lambdaCode.logging)), ...apiStageUpdateRoutes()];
    const motoDown = downReason(moto);
    front = await startFront(moto.endpoint, handlers, restRoutes, { access, motoSocketPath: moto.socketPath, port: options.port, motoDown, onRequest: options.onRequest });
    endpoint = front.endpoint;
    for (const bucket of options.buckets ?? []) await createBucket(moto.socketPath, bucket);
    // In the background: the first deploy's requests find moto's services ready (moto-warm-up.ts).
    if (options.warmUp !== false) void warmUpMoto(moto.socketPath);
  } catch (error) {
    await moto.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: front.endpoint,
    motoEndpoint: moto.endpoint,
    motoSocketPath: moto.socketPath,
    instanceId,
    identities,
    lambdaCode,
    roleSessions,
    motoPid: moto.pid,
    died: moto.died,
    stop: () => (stopping ??= front.stop().finally(() => moto.stop())),
  };
}

/** A reader of why `moto` is down: `undefined` until its `died` resolves, then that line. */
function downReason(moto: MotoServer): () => string | undefined {
  let reason: string | undefined;
  void moto.died.then((line) => (reason = line));
  return () => reason;
}

/**
 * Starts a front on a free loopback port. A POST whose `X-Amz-Target` is a key of `handlers` is answered by that
 * handler, and a request of a REST API by the first of `restRoutes` that matches its method and path; every other
 * request goes to `motoEndpoint` as received (method, path and query, headers including `Host`, body) and moto's
 * response comes back the same way. Before that, a request with a `Host` other than the front's loopback names, or
 * for moto's own `/moto-api/`, is refused with 403, a body over its limit with 413, and `options.access` decides on
 * the rest. At most {@link MOTO_CONNECTIONS} requests are on their way to moto at once; the others wait their turn.
 */
export async function startFront(
  motoEndpoint: string,
  handlers: Readonly<Record<string, Handler>>,
  restRoutes: readonly RestRoute[] = [],
  options: FrontOptions = {},
): Promise<Front> {
  const moto = new URL(motoEndpoint);
  // Our own agent, so that stop() can close its sockets; moto closes each connection anyway. Bounded: moto listens
  // with a backlog of 128 connections, and a connection past it fails at once (EAGAIN) rather than waiting, so a
  // burst of clients would get 502s; past the bound, the agent queues requests until a connection is free.
  const agent = new Agent({ keepAlive: false, maxSockets: MOTO_CONNECTIONS });
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    // The last line of defence: whatever goes wrong, the client gets an answer and the process keeps running.
    route(req, res).catch((error: Error) => send(res, failure(req, error)));
  };
  const server = createServer(serve);
  // A client that asks before sending its body (`Expect: 100-continue`, as the SDKs and curl do for large ones) is
  // refused before it sends any of it.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const refused = refusalOf(req);
    if (refused) return send(res, refused);
    res.writeContinue();
    serve(req, res);
  });
  // Idle keep-alive connections outlive the clients' own idle timeouts (the Go SDK's, Terraform's, is 90 s): with
  // Node's 5 s, the front could close a connection just as a client sends a request on it, and that request (a POST
  // the client will not retry, with the provider's one attempt) would fail with "connection reset by peer".
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  /** The local handler of a request, if any. */
  function handlerOf(req: IncomingMessage): Handler | undefined {
    const target = header(req.headers, "x-amz-target");
    if (target !== undefined) return req.method === "POST" ? handlers[target] : undefined;
    const path = (req.url ?? "/").split("?")[0];
    for (const route of restRoutes) {
      const match = route.method === req.method ? route.path.exec(path) : null;
      if (match) return (request, context) => route.handler(request, context, match);
    }
    return undefined;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refusalOf(req);
    if (refused) return send(res, refused);
    const down = options.motoDown?.();
    if (down !== undefined) return send(res, motoUnavailable(req, down));
    const limit = bodyLimitOf(signatureClaimService(req));
    const readBody = () => readBodyWithin(req, limit);
    let body: Buffer | undefined;
    if (options.access) {
      const admission = await options.access.admit({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, readBody, port);
      if (!admission.ok) return send(res, admission.response);
      body = admission.body;
      if (admission.caller.kind !== "local" && isControlPath(req.url ?? "/")) {
        return send(res, refusal(errorProtocolOf(admission.service, req.headers), "accessDenied", "the local cloud's control API (/_local-cloud/) serves only requests signed with the local key pair"));
      }
      if (admission.caller.kind === "role" && admission.service === "sts" && isGetCallerIdentity(req.url ?? "/", body)) {
        return send(res, callerIdentityResponse(admission.caller));
      }
    }
    if (options.onRequest) {
      body ??= await readBody();
      options.onRequest({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body });
    }
    if (isAwsJsonRequest(req.method, req.headers)) {
      // moto answers a body that is not a JSON object with an HTML 500 (or takes it for {}); AWS with a 400.
      body ??= await readBody();
      parseJsonObject(body);
    }
    const handler = handlerOf(req);
    if (!handler && isControlPath(req.url ?? "/")) {
      // The control API is the front's own: a path it does not serve is not moto's either.
      return send(res, errorResponse(new AwsError(404, "ResourceNotFoundException", `the local cloud's control API has no operation ${req.method} ${quoted(req.url)}`)));
    }
    if (!handler) return proxy(req, res, limit, body);
    body ??= await readBody();
    const forward = () => forwardBuffered(req, body);
    let response: AwsResponse;
    try {
      const request = {
        target: header(req.headers, "x-amz-target") ?? "",
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        ...signingScope(header(req.headers, "authorization")),
      };
      response = await handler(request, { motoEndpoint, forward });
    } catch (error) {
      response = errorResponse(error instanceof AwsError ? error : new AwsError(500, "InternalFailure", (error as Error).message));
    }
    send(res, response);
  }

  /**
   * The refusal of a request the front never serves, whoever signed it, decided before its body is read: a foreign
   * `Host` or web page, a target that is not a path or is moto's own API, a declared body over the service's limit.
   */
  function refusalOf(req: IncomingMessage): AwsResponse | undefined {
    const service = signatureClaimService(req);
    const protocol = errorProtocolOf(service, req.headers);
    const badHost = hostRefusal(req.headers.host, port);
    if (badHost) return refusal(protocol, "accessDenied", badHost);
    const fromWebPage = webPageRefusal(header(req.headers, "origin"), header(req.headers, "sec-fetch-site"));
    if (fromWebPage) return refusal(protocol, "accessDenied", fromWebPage);
    const badTarget = requestTargetRefusal(req.url ?? "/");
    if (badTarget) return refusal(protocol, "accessDenied", badTarget);
    const limit = bodyLimitOf(service);
    const declared = declaredLength(req.headers);
    if (declared !== undefined && declared > limit) return tooLarge(req, limit, declared);
    return undefined;
  }

  /** The answer to a body over its limit, in the service's words; the connection closes, so the rest is not read. */
  function tooLarge(req: IncomingMessage, limit: number, declared?: number): AwsResponse {
    const size = declared === undefined ? "a request body larger than that" : `a request body of ${declared} bytes`;
    const response = refusal(errorProtocolOf(signatureClaimService(req), req.headers), "tooLarge", `Request must be smaller than ${limit} bytes; the local cloud got ${size}`);
    return { ...response, headers: { ...response.headers, connection: "close" } };
  }

  /** The answer to a request whose handling threw: the client's error as AWS words it, anything else a 500. */
  function failure(req: IncomingMessage, error: Error): AwsResponse {
    if (error instanceof BodyTooLarge) return tooLarge(req, error.limit);
    return errorResponse(error instanceof AwsError ? error : new AwsError(500, "InternalFailure", error.message));
  }

  /** The answer to every request while moto is down: 503 in the caller's protocol, naming what died and what to run. */
  function motoUnavailable(req: IncomingMessage, reason: string): AwsResponse {
    const message = `the local cloud's emulator is down: ${reason}; stop this local cloud and start it again (npm run local:up or npm run dev)`;
    return refusal(errorProtocolOf(signatureClaimService(req), req.headers), "serviceUnavailable", message);
  }

  /**
   * Streams a request to moto and moto's response back; a body that was already read (to verify its signature) goes
   * whole, with its content-length. A streamed body that passes `limit` is cut off, and the client told so.
   */
  function proxy(req: IncomingMessage, res: ServerResponse, limit: number, body?: Buffer): void {
    const headers = body === undefined ? forwardedHeaders(req.headers) : { ...withoutHopByHop(req.headers), "content-length": body.length };
    let cutOff = false;
    const upstream = httpRequest(motoOptions(req, headers), (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      if (cutOff) return;
      if (res.headersSent) res.destroy(error);
      else send(res, badGateway(error));
    });
    // A client that goes away mid-request should not leave a half-sent request to moto open.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (body !== undefined) {
      upstream.end(body);
      return;
    }
    req.on("error", () => upstream.destroy());
    const limited = req.pipe(new BodyLimit(limit));
    limited.on("error", (error: Error) => {
      cutOff = true;
      upstream.destroy();
      send(res, failure(req, error));
    });
    limited.pipe(upstream);
  }

  /** Sends a request whose body was already read to moto, and reads moto's whole answer. */
  function forwardBuffered(req: IncomingMessage, body: Buffer): Promise<AwsResponse> {
    return new Promise((resolve) => {
      // The body is whole now: it goes with a content-length, whatever framing the client used.
      const headers = { ...withoutHopByHop(req.headers), "content-length": body.length };
      const upstream = httpRequest(motoOptions(req, headers), (answer) => {
        readBodyWithin(answer, Infinity).then(
          (answerBody) => resolve({ status: answer.statusCode ?? 502, headers: withoutHopByHop(answer.headers), body: answerBody }),
          (error: Error) => resolve(badGateway(error)),
        );
      });
      upstream.on("error", (error) => resolve(badGateway(error)));
      upstream.end(body);
    });
  }

  function motoOptions(req: IncomingMessage, headers: OutgoingHttpHeaders) {
    const target = options.motoSocketPath !== undefined ? { socketPath: options.motoSocketPath } : { hostname: moto.hostname, port: moto.port };
    return { ...target, method: req.method, path: req.url, headers, agent };
  }

  function badGateway(error: Error): AwsResponse {
    return jsonResponse({ __type: "BadGateway", message: `the local cloud could not reach moto at ${motoEndpoint}: ${error.message}` }, 502);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  // Requests are served only from here on, so every use of the port sees it.
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() only stops accepting: without this, an SDK's idle keep-alive socket holds it open for seconds.
      server.closeAllConnections();
      agent.destroy();
    });
    return stopping;
  };
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}

/** Creates an S3 bucket in moto, unless it exists (moto answers 409 BucketAlreadyOwnedByYou, which is fine). */
function createBucket(motoSocketPath: string, bucket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: motoSocketPath, method: "PUT", path: `/${bucket}`, headers: { host: "127.0.0.1" } }, (res) => {
      res.resume();
      const ok = (res.statusCode ?? 500) < 300 || res.statusCode === 409;
      res.on("end", () => (ok ? resolve() : reject(new Error(`the local cloud could not create the bucket ${bucket}: moto answered HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Writes a complete response. */
function send(res: ServerResponse, response: AwsResponse): void {
  if (res.destroyed) return; // the client has gone away
  if (res.headersSent) {
    // Too late for a clean error: cutting the connection at least tells the client the response is incomplete.
    res.destroy();
    return;
  }
  res.writeHead(response.status, { ...response.headers, "content-length": response.body.length });
  res.end(response.body);
}

/** The request headers moto gets: all end-to-end headers, `Host` as the client sent it (moto builds URLs from it). */
function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const forwarded = withoutHopByHop(headers);
  // Node frames the body anew; a chunked request keeps being chunked, a sized one keeps its content-length.
  if (headers["transfer-encoding"] !== undefined) forwarded["transfer-encoding"] = "chunked";
  return forwarded;
}

/** Headers without the hop-by-hop ones, and without those the `Connection` header names. */
function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set((header(headers, "connection") ?? "").split(",").map((name) => name.trim().toLowerCase()));
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) result[name] = value;
  }
  return result;
}

/** A header's value as one string (Node joins repeated headers for all but a few names). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The signing name of a request's credential scope, if it is signed. */
function signatureClaimService(req: IncomingMessage): string | undefined {
  const claim = signatureClaim(req.url ?? "/", req.headers);
  return typeof claim === "object" ? claim.service : undefined;
}

