import { randomUUID } from "node:crypto";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { IssuedCredentials } from "../local-cloud/identities";
import { mayInvoke, requestArn } from "./invoke-authorization";
import { LambdaRunner, LogSink } from "./lambda-runner";
import { LocalCloud } from "../local-cloud/front";
import { buildEvent, HttpResponse, IamAuthorizer, mapResponse } from "./payload-v2";
import { loadRoutes, matchRoute, RouteTable } from "./route-table";
import { verifySignedRequest } from "../local-cloud/sigv4-verifier";

/**
 * A deployed HTTP API served on loopback as API Gateway would serve it: routes, auth types and handler code all come
 * from what was deployed to the local cloud. AWS_IAM routes need a valid SigV4 signature from credentials the
 * cloud's identity pool issued, and the caller's role must allow `execute-api:Invoke` on the route; the handler then
 * runs in a Node 22 process with a payload 2.0 event.
 */

/** API Gateway's limit on an HTTP API request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link startLocalApi}. */
export interface LocalApiOptions {
  readonly cloud: LocalCloud;
  /** The deployed API to serve. */
  readonly apiId: string;
  /** The region the API was deployed to. */
  readonly region: string;
  /** Port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Receives every line the handlers log, tagged with the request id. @default discarded */
  readonly onLog?: LogSink;
}

/** A running local API. */
export interface LocalApi {
  /** `http://127.0.0.1:<port>`: the local ApiEndpoint. */
  readonly url: string;
  /** Reads the routes from the cloud again, after a deploy changed them. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts serving the API `apiId` of the local cloud on loopback. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const { cloud, apiId, region } = options;
  const runner = new LambdaRunner();
  let table: RouteTable = await loadRoutes(cloud.endpoint, apiId, { region });

  async function answer(req: IncomingMessage): Promise<HttpResponse> {
    const body = await readBody(req);
    if (body === undefined) return json(413, { message: "Request Entity Too Large" });
    const [rawPath, rawQueryString = ""] = (req.url ?? "/").split(/\?(.*)/s);
    const match = matchRoute(table, req.method ?? "GET", rawPath);
    if (!match) return json(404, { message: "Not Found" });

    let authorizerIam: IamAuthorizer | undefined;
    if (match.route.authorizationType === "AWS_IAM") {
      const verdict = await verifySignedRequest(
        { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body },
        (accessKeyId) => cloud.identities.credentials(accessKeyId),
        { region },
      );
      if (!verdict.ok) return json(verdict.status, { message: verdict.message });
      const accountId = accountOf(verdict.caller.roleArn);
      const decision = await mayInvoke({ endpoint: cloud.endpoint, roleArn: verdict.caller.roleArn, routeArn: requestArn(region, accountId, apiId, req.method ?? "GET", rawPath) });
      if (!decision.allowed) return json(403, { message: "Forbidden" });
      authorizerIam = iamAuthorizer(verdict.caller, accountId);
    }

    const code = match.functionName === undefined ? undefined : cloud.lambdaCode.code(match.functionName);
    if (!code) return json(500, { message: "Internal Server Error" });
    const requestId = randomUUID();
    const event = buildEvent({
      method: req.method ?? "GET",
      rawPath,
      rawQueryString,
      headers: req.rawHeaders,
      body,
      routeKey: match.route.routeKey,
      requestId,
      sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
      apiId,
      accountId: authorizerIam?.accountId ?? "123456789012",
      domainName: req.headers.host ?? "127.0.0.1",
      pathParameters: match.pathParameters,
      authorizerIam,
    });
    return mapResponse(await runner.invoke(code, event, { requestId, onLog: options.onLog }));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req)
      .catch(() => json(500, { message: "Internal Server Error" }))
      .then((response) => {
        res.writeHead(response.statusCode, { ...response.headers, "content-length": response.body.length });
        res.end(response.body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    reload: async () => {
      table = await loadRoutes(cloud.endpoint, apiId, { region });
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

/** The whole body, or `undefined` when it is larger than API Gateway accepts. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
