import { Agent, IncomingHttpHeaders, OutgoingHttpHeaders, request as httpRequest } from "node:http";
import { connect, Socket } from "node:net";
import { buffer } from "node:stream/consumers";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * How this process talks to moto: HTTP over moto's Unix socket, directly. moto listens on no TCP port, and its
 * socket sits in a directory only this user may enter (0700), so the front's port is the only way in for anyone
 * else. Raw requests go through {@link MotoClient.request}, AWS SDK v3 clients through {@link MotoClient.sdkOptions}.
 */

/**
 * How many connections to moto's socket each way in (the front's forwarded requests, this process's own calls)
 * opens at once; more wait for a free one. moto (werkzeug) listens with a backlog of 128 (`LISTEN_QUEUE`): a connection
 * past it fails at once with EAGAIN instead of waiting, so 500 clients at once got 169 answers of 502. Two times 32
 * stays well under it, and moto, one Python process, serves no faster with more.
 */
export const MOTO_CONNECTIONS = 32;

/** Where server.py saves its state, and answers with the front's part of what it read (only through the socket). */
const SAVE_PATH = "/moto-api/local-cloud/save";
const FRONT_PATH = "/moto-api/local-cloud/front";

/** The `Host` of this process's own requests to moto: a socket has no name, and moto builds URLs from this one. */
const MOTO_HOST = "127.0.0.1";

/**
 * An HTTP agent whose every connection goes to moto's socket, whatever host a request names: at most
 * {@link MOTO_CONNECTIONS} at once, the requests past them queued until one closes. No keep-alive: moto closes each
 * connection anyway, and an idle socket would only hold a stop up.
 */
export class MotoSocketAgent extends Agent {
  constructor(readonly socketPath: string) {
    super({ keepAlive: false, maxSockets: MOTO_CONNECTIONS, maxTotalSockets: MOTO_CONNECTIONS });
  }

  override createConnection(): Socket {
    return connect(this.socketPath);
  }
}

/** A request this process sends moto itself. */
export interface MotoHttpRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** `Host` is `127.0.0.1` unless named here. */
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** How long the whole exchange may take. @default no limit */
  readonly timeoutMs?: number;
}

/** moto's whole answer. */
export interface MotoHttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An SDK client's request handler on a shared agent: destroying the client leaves the agent, and the other clients' requests, alone. */
class SharedAgentHandler extends NodeHttpHandler {
  override destroy(): void {}
}

/** This process's client of one moto, on its socket. */
export class MotoClient {
  private readonly agent: MotoSocketAgent;

  /** `socketPath`: the Unix socket moto listens on. */
  constructor(readonly socketPath: string) {
    this.agent = new MotoSocketAgent(socketPath);
  }

  /** Sends one request and reads moto's whole answer; rejects when the socket cannot be reached or time runs out. */
  request(request: MotoHttpRequest): Promise<MotoHttpAnswer> {
    const signal = request.timeoutMs === undefined ? undefined : AbortSignal.timeout(request.timeoutMs);
    return new Promise((resolve, reject) => {
      const headers = { host: MOTO_HOST, ...request.headers };
      const req = httpRequest({ agent: this.agent, method: request.method, path: request.path, headers, signal }, (res) => {
        buffer(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
      });
      req.on("error", reject);
      req.end(request.body);
    });
  }

  /**
   * What an AWS SDK v3 client needs to talk to this moto, to spread into its configuration: a nominal endpoint, and
   * a request handler whose connections go to the socket (sharing this client's bound).
   */
  sdkOptions(): { readonly endpoint: string; readonly requestHandler: NodeHttpHandler } {
    return { endpoint: `http://${MOTO_HOST}`, requestHandler: new SharedAgentHandler({ httpAgent: this.agent }) };
  }

  /**
   * Has moto write its state file (server.py), with `front`, the front's own state, in it; resolves once the file is
   * on disk. Only for a moto started with a state file.
   */
  async saveState(front: Buffer): Promise<void> {
    const { status, body } = await this.request({ method: "POST", path: SAVE_PATH, body: front, headers: { "content-type": "application/octet-stream" } });
    if (status !== 200) throw new Error(`moto could not save its state: HTTP ${status} ${body.toString("utf8").slice(0, 300)}`);
  }

  /**
   * The front's state as moto read it from its state file at start (empty when there was none), and the line saying
   * the file was moved aside instead, if it could not be read.
   */
  async savedState(): Promise<{ readonly front: Buffer; readonly note?: string }> {
    const { status, headers, body } = await this.request({ method: "GET", path: FRONT_PATH });
    if (status !== 200) throw new Error(`moto could not say what state it read: HTTP ${status}`);
    const note = headers["x-local-cloud-note"];
    return { front: body, ...(typeof note === "string" && { note }) };
  }

  /** Cuts the connections still open; requests after it open new ones. */
  close(): void {
    this.agent.destroy();
  }
}
