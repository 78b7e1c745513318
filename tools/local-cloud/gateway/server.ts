import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { MotoClient } from "../moto/client";
import { ServiceHandlers } from "../protocol/aws-json";
import { exchangeOf, failureOf, frontPipeline, headRefusal, PipelineOptions, runPipeline } from "./pipeline";
import { MotoProxy } from "./proxy";
import { send } from "./respond";

/**
 * The local cloud's front door on loopback: an HTTP server that runs each request through the front's pipeline
 * (pipeline.ts), which answers what moto lacks and forwards everything else to moto.
 */

/** A running front. */
export interface Front {
  /** `http://127.0.0.1:<port>`: point AWS clients here. */
  readonly endpoint: string;
  /** Closes the server, including idle keep-alive connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startFront}: those of its pipeline, and its port. */
export interface FrontOptions extends Omit<PipelineOptions, "moto" | "proxy" | "services"> {
  /** Port on 127.0.0.1; a taken port rejects with Node's `EADDRINUSE` error. @default 0, a free port */
  readonly port?: number;
  /** Called once a request that may have changed something (any method but GET, HEAD, OPTIONS) was answered. @default none */
  readonly onChange?: () => void;
}

/** Methods that change nothing. */
const READ_ONLY_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Starts a front on a loopback port before the moto `moto` reaches; `services`' handlers answer what they answer,
 * moto the rest (see {@link frontPipeline} for all a request goes through).
 */
export async function startFront(moto: MotoClient, services: readonly ServiceHandlers[], options: FrontOptions = {}): Promise<Front> {
  const proxy = new MotoProxy(moto.socketPath);
  const steps = frontPipeline({ ...options, moto, proxy, services });
  // Known once the server listens; requests are served only from then on.
  let port = 0;
  const serve = (req: IncomingMessage, res: ServerResponse, exchange = exchangeOf(req, res, port)) => {
    if (options.onChange && !READ_ONLY_METHODS.has(req.method ?? "GET")) res.once("finish", options.onChange);
    // The last line of defence: whatever goes wrong, the client gets an answer and the process keeps running.
    runPipeline(steps, exchange).catch((error: Error) => send(res, failureOf(exchange, error)));
  };
  const server = createServer((req, res) => serve(req, res));
  // A client that asks before sending its body (`Expect: 100-continue`, as the SDKs and curl do for large ones) is
  // refused before it sends any of it.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    const exchange = exchangeOf(req, res, port);
    const refused = headRefusal(exchange);
    if (refused) return send(res, refused);
    res.writeContinue();
    serve(req, res, exchange);
  });
  // Idle keep-alive connections outlive the clients' own idle timeouts (the Go SDK's, Terraform's, is 90 s): with
  // Node's 5 s, the front could close a connection just as a client sends a request on it, and that request (a POST
  // the client will not retry, with the provider's one attempt) would fail with "connection reset by peer".
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() only stops accepting: without this, an SDK's idle keep-alive socket holds it open for seconds.
      server.closeAllConnections();
      proxy.close();
    });
    return stopping;
  };
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
