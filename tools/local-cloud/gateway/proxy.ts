import { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, request as httpRequest, RequestOptions, ServerResponse } from "node:http";
import { buffer } from "node:stream/consumers";
import { MotoSocketAgent } from "../moto/client";
import { AwsResponse, jsonResponse } from "../protocol/aws-json";
import { ErrorProtocol } from "../protocol/aws-refusals";
import { headerValue } from "../protocol/headers";
import { BodyLimit } from "./body-limits";
import { failureResponse, send } from "./respond";

/**
 * The front's way to moto: a request goes to moto's socket as received (method, path and query, headers including
 * `Host`, which moto builds URLs from, body), and moto's response comes back the same way, streamed both ways where no
 * step needed the body. At most `MOTO_CONNECTIONS` (moto/client.ts) requests are on their way at once; the others wait
 * their turn.
 */

/**
 * Hop-by-hop headers describe one connection, not the request: they are not forwarded. `expect` too: the front
 * has already accepted the body (Node answers `100 Continue` itself), so moto need not be asked again.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "expect"]);

/** Forwards the front's requests to one moto. */
export class MotoProxy {
  /**
   * Our own agent, so that {@link close} can cut its connections. Bounded: moto listens with a backlog of 128
   * connections, and a connection past it fails at once (EAGAIN) rather than waiting, so a burst of clients would get
   * 502s; past the bound, the agent queues requests until a connection is free.
   */
  private readonly agent: MotoSocketAgent;

  /** `socketPath`: the Unix socket moto listens on. */
  constructor(private readonly socketPath: string) {
    this.agent = new MotoSocketAgent(socketPath);
  }

  /**
   * Streams a request to moto and moto's response back; a `body` that was already read (to verify its signature)
   * goes whole, with its content-length. A streamed body that passes `limit` is cut off, and the client told so in
   * its service's `protocol`.
   */
  stream(req: IncomingMessage, res: ServerResponse, limit: number, protocol: ErrorProtocol, body?: Buffer): void {
    const headers = body === undefined ? forwardedHeaders(req.headers) : { ...withoutHopByHop(req.headers), "content-length": body.length };
    let cutOff = false;
    const upstream = httpRequest(this.options(req, headers), (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, withoutHopByHop(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      if (cutOff) return;
      if (res.headersSent) res.destroy(error);
      else send(res, this.badGateway(error));
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
      send(res, failureResponse(protocol, error));
    });
    limited.pipe(upstream);
  }

  /** Sends a request whose body was already read to moto, and reads moto's whole answer. */
  forward(req: IncomingMessage, body: Buffer): Promise<AwsResponse> {
    return new Promise((resolve) => {
      // The body is whole now: it goes with a content-length, whatever framing the client used.
      const headers = { ...withoutHopByHop(req.headers), "content-length": body.length };
      const upstream = httpRequest(this.options(req, headers), (answer) => {
        buffer(answer).then(
          (answerBody) => resolve({ status: answer.statusCode ?? 502, headers: withoutHopByHop(answer.headers), body: answerBody }),
          (error: Error) => resolve(this.badGateway(error)),
        );
      });
      upstream.on("error", (error) => resolve(this.badGateway(error)));
      upstream.end(body);
    });
  }

  /** Cuts the connections to moto still open. */
  close(): void {
    this.agent.destroy();
  }

  private options(req: IncomingMessage, headers: OutgoingHttpHeaders): RequestOptions {
    return { agent: this.agent, method: req.method, path: req.url, headers };
  }

  private badGateway(error: Error): AwsResponse {
    return jsonResponse({ __type: "BadGateway", message: `the local cloud could not reach moto at ${this.socketPath}: ${error.message}` }, 502);
  }
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
  const named = new Set((headerValue(headers, "connection") ?? "").split(",").map((name) => name.trim().toLowerCase()));
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) result[name] = value;
  }
  return result;
}
