import { randomUUID } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { buffer } from "node:stream/consumers";
import { oneLine } from "../../constructs/validation";
import { CloudView, IssuedCredentials, verifySignedRequest } from "../local-cloud";
import { accessLogWriter, AccessLogSink, contextVariables, renderAccessLog } from "./access-log";
import { isPreflight, preflightResponse, withCorsHeaders } from "./cors";
import { DeployedApi, loadDeployedApi, SERVED_STAGE } from "./deployed-api";
import { mayInvoke, requestArn } from "./invoke-authorization";
import type { LogSink } from "./lambda/invocation";
import { LambdaRunner } from "./lambda/pool";
import { buildEvent, HttpResponse, IamAuthorizer, mapResponse } from "./payload-v2";
import { matchRoute } from "./route-table";
import { Throttle, TOO_MANY_REQUESTS } from "./throttle";

/**
 * A deployed HTTP API served on loopback as API Gateway would serve it: routes, auth types and handler code all come
 * from what was deployed to the local cloud. AWS_IAM routes need a valid SigV4 signature from credentials the
 * cloud's identity pool issued, and the caller's role must allow `execute-api:Invoke` on the route; the handler then
 * runs in a Node 22 process with a payload 2.0 event.
 *
 * API Gateway's own behaviour comes from the deployed API and its `$default` stage too: the CORS configuration
 * (preflights answered, CORS headers on responses), the stage's throttling (429 once a route's bucket is empty) and
 * its access log format (one line per request).
 */

/** API Gateway's limit on an HTTP API request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link startLocalApi}. */
export interface LocalApiOptions {
  /** The cloud the API was deployed to: in this process (`startLocalCloud`) or another (`connectRemoteCloud`). */
  readonly cloud: CloudView;
  /** The deployed API to serve. */
  readonly apiId: string;
  /** The region the API was deployed to. */
  readonly region: string;
  /** Port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Receives every line the handlers log, tagged with the request id. @default discarded */
  readonly onLog?: LogSink;
  /**
   * Receives each access log line, when the stage has access log settings: one line per request in the stage's
   * format. @default the lines go to `onLog`, prefixed with `[access] `, unless `accessLogFile` is set
   */
  readonly onAccessLog?: AccessLogSink;
  /** A file each access log line is appended to (as well as `onAccessLog`, when both are set). @default none */
  readonly accessLogFile?: string;
  /**
   * Whether the stage's rate and burst limits apply; `false` serves every request, for benchmarks that measure the
   * server rather than the stage's limits. @default true
   */
  readonly throttling?: boolean;
}

/** A running local API. */
export interface LocalApi {
  /** `http://127.0.0.1:<port>`: the local ApiEndpoint. */
  readonly url: string;
  /** Reads the routes, CORS configuration and stage settings from the cloud again, after a deploy changed them. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts serving the API `apiId` of the local cloud on loopback. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const { cloud, apiId, region } = options;
  // Handlers get what Lambda gives them: their execution role's credentials, minted by the local cloud (which then
  // authorizes their calls against the role's policies), and the cloud as the endpoint of every SDK client.
  const runner = new LambdaRunner({
    endpointUrl: cloud.endpoint,
    credentials: async (code) => {
      if (!code.role) throw new Error(`the local cloud holds no execution role for ${code.functionName}`);
      return cloud.roleSessions.issue(code.role, code.functionName);
    },
  });
  let deployed: DeployedApi = await loadDeployedApi(cloud.endpoint, apiId, { region });
  const throttleOf = (api: DeployedApi) => new Throttle(options.throttling === false ? UNTHROTTLED : (api.stage?.throttling ?? UNTHROTTLED));
  let throttle = throttleOf(deployed);
  const writeAccessLog = accessLogWriter(options);

  async function answer(req: IncomingMessage, requestId: string, arrived: Date): Promise<Outcome> {
    const body = await readBody(req);
    if (body === undefined) return gatewayError(413, "Request Entity Too Large");
    const { table } = deployed;
    const method = req.method ?? "GET";
    const [rawPath, rawQueryString = ""] = (req.url ?? "/").split(/\?(.*)/s);
    const match = matchRoute(table, method, rawPath);
    if (!match) {
      // API Gateway answers a preflight itself only when no route (an ANY route, an OPTIONS route, $default) takes it.
      if (table.cors && isPreflight(method, req.headers)) return { response: preflightResponse(table.cors, req.headers) };
      return gatewayError(404, "Not Found");
    }
    const routeKey = match.route.routeKey;
    if (!throttle.admit(routeKey)) return { ...gatewayError(429, TOO_MANY_REQUESTS.message), routeKey };

    let authorizerIam: IamAuthorizer | undefined;
    if (match.route.authorizationType === "AWS_IAM") {
      const verdict = await verifySignedRequest(
        { method, url: req.url ?? "/", headers: req.headers, body },
        (accessKeyId) => cloud.identities.credentials(accessKeyId),
        { region },
      );
      if (!verdict.ok) return { ...gatewayError(403, verdict.message), routeKey };
      const accountId = accountOf(verdict.caller.roleArn);
      const decision = await mayInvoke({ endpoint: cloud.endpoint, roleArn: verdict.caller.roleArn, routeArn: requestArn(region, accountId, apiId, method, rawPath) });
      if (!decision.allowed) return { ...gatewayError(403, "Forbidden"), routeKey };
      authorizerIam = iamAuthorizer(verdict.caller, accountId);
    }

    const code = match.functionName === undefined ? undefined : await cloud.lambdaCode.code(match.functionName);
    if (!code) return { ...gatewayError(500, "Internal Server Error"), routeKey, authorizerIam };
    const event = buildEvent({
      method,
      rawPath,
      rawQueryString,
      headers: req.rawHeaders,
      body,
      routeKey,
      requestId,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      apiId,
      accountId: authorizerIam?.accountId ?? DEFAULT_ACCOUNT,
      domainName: req.headers.host ?? "127.0.0.1",
      pathParameters: match.pathParameters,
      authorizerIam,
      time: arrived,
    });
    const invoked = Date.now();
    const result = await runner.invoke(code, event, { requestId, onLog: options.onLog });
    const mapped = mapResponse(result);
    // API Gateway's execution log says the same of a response it cannot use; the client sees only the 500.
    if (mapped.malformed !== undefined) options.onLog?.(`Malformed Lambda proxy response from ${code.functionName}: ${mapped.malformed}`, { requestId, stream: "stderr" });
    const response = withCorsHeaders(table.cors, req.headers, mapped);
    return {
      response,
      routeKey,
      authorizerIam,
      integrationLatency: Date.now() - invoked,
      integrationStatus: result.kind === "ok" ? response.statusCode : undefined,
      integrationErrorMessage:
        result.kind === "error" ? result.errorMessage : result.kind === "timeout" ? "Task timed out" : mapped.malformed !== undefined ? "Malformed Lambda proxy response" : undefined,
    };
  }

  /** Writes the stage's access log line for a request, when the stage has an access log format. */
  function logAccess(req: IncomingMessage, requestId: string, arrived: Date, outcome: Outcome): void {
    const format = deployed.stage?.accessLogFormat;
    if (format === undefined) return;
    const variables = contextVariables({
      requestId,
      time: arrived,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      userAgent: req.headers["user-agent"],
      httpMethod: req.method ?? "GET",
      path: (req.url ?? "/").split("?")[0],
      protocol: `HTTP/${req.httpVersion}`,
      routeKey: outcome.routeKey,
      status: outcome.response.statusCode,
      responseLength: outcome.response.body.length,
      apiId,
      stage: deployed.stage?.name ?? SERVED_STAGE,
      domainName: req.headers.host ?? "127.0.0.1",
      accountId: outcome.authorizerIam?.accountId ?? DEFAULT_ACCOUNT,
      responseLatency: Date.now() - arrived.getTime(),
      integrationLatency: outcome.integrationLatency,
      integrationStatus: outcome.integrationStatus,
      integrationErrorMessage: outcome.integrationErrorMessage,
      errorMessage: outcome.errorMessage,
      authorizerIam: outcome.authorizerIam,
    });
    writeAccessLog(renderAccessLog(format, variables), requestId);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const arrived = new Date();
    answer(req, requestId, arrived)
      .catch((error: unknown): Outcome => {
        options.onLog?.(`request failed: ${oneLine(String((error as Error | undefined)?.message ?? error))}`, { requestId, stream: "stderr" });
        return gatewayError(500, "Internal Server Error");
      })
      .then((outcome) => {
        // Before the response: a client that has its answer finds the line already written.
        try {
          logAccess(req, requestId, arrived, outcome);
        } catch (error) {
          options.onLog?.(`access log not written: ${(error as Error).message}`, { requestId, stream: "stderr" });
        }
        send(res, outcome.response, requestId);
      })
      // The last resort: nothing one request brings may end the server.
      .catch((error: unknown) => {
        options.onLog?.(`response not written: ${oneLine(String((error as Error | undefined)?.message ?? error))}`, { requestId, stream: "stderr" });
        res.destroy();
      });
  });

  /**
   * Writes `response`; should Node still refuse it (mapResponse refuses what it knows Node refuses), the client gets
   * API Gateway's 500 instead, and the reason goes to the log.
   */
  function send(res: ServerResponse, response: HttpResponse, requestId: string): void {
    try {
      res.writeHead(response.statusCode, { ...response.headers, "content-length": response.body.length });
    } catch (error) {
      options.onLog?.(`Malformed Lambda proxy response: ${oneLine((error as Error).message)}`, { requestId, stream: "stderr" });
      const refused = json(500, { message: "Internal Server Error" });
      res.writeHead(refused.statusCode, { ...refused.headers, "content-length": refused.body.length });
      return void res.end(refused.body);
    }
    res.end(response.body);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reload: async () => {
      deployed = await loadDeployedApi(cloud.endpoint, apiId, { region });
      throttle = throttleOf(deployed);
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runner.stop();
    },
  };
}

/** No limits: a stage without throttling settings, or throttling turned off. */
const UNTHROTTLED = { routeLimits: {} } as const;

/** The account the local cloud's resources live in, for requests whose caller does not name one. */
const DEFAULT_ACCOUNT = "123456789012";

/** How a request was answered, and what the access log needs to know about it. */
interface Outcome {
  readonly response: HttpResponse;
  /** The route that took the request. */
  readonly routeKey?: string;
  readonly authorizerIam?: IamAuthorizer;
  readonly integrationLatency?: number;
  readonly integrationStatus?: number;
  readonly integrationErrorMessage?: string;
  /** The message of an answer API Gateway made itself. */
  readonly errorMessage?: string;
}

/** An answer API Gateway makes itself: `{"message": ...}`. */
function gatewayError(statusCode: number, message: string): Outcome {
  return { response: json(statusCode, { message }), errorMessage: message };
}

/** `requestContext.authorizer.iam` of a caller with identity-pool credentials, as API Gateway fills it. */
function iamAuthorizer(caller: IssuedCredentials, accountId: string): IamAuthorizer {
  const roleName = caller.roleArn.split("/").pop()!;
  const session = "CognitoIdentityCredentials";
  return {
    accessKey: caller.accessKeyId,
    accountId,
    callerId: `${roleName}:${session}`,
    cognitoIdentity: { amr: caller.amr, identityId: caller.identityId, identityPoolId: caller.identityPoolId },
    principalOrgId: null,
    userArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`,
    userId: `${roleName}:${session}`,
  };
}

/** The account of an IAM ARN (`arn:aws:iam::<account>:role/...`). */
function accountOf(arn: string): string {
  return arn.split(":")[4];
}

function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * The whole body (empty when there is none), or `undefined` when it is larger than API Gateway accepts: read to its
 * end either way, holding no more than the limit of it.
 */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  let size = 0;
  async function* withinLimit(): AsyncGenerator<Buffer> {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) yield chunk;
    }
  }
  const body = await buffer(withinLimit());
  return size > MAX_BODY_BYTES ? undefined : body;
}
