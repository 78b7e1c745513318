import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, WriteStream } from "node:fs";
import { request as httpRequest } from "node:http";
import { AddressInfo, connect, createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromThisProcess } from "./own-connections";

/**
 * The moto AWS emulator (`moto_server`, from the machine's Python) as a child process that no other process can
 * reach: it listens on a Unix socket in a directory only its user may enter (0700), not on a TCP port, so that the
 * front is the only way in for other programs. Code of this process that wants to look behind the front (the
 * front's handlers, tests) uses a loopback relay that serves connections of this process only.
 */

/** How to get moto where it is missing. */
const INSTALL_HINT = 'install it with: pip install "moto[server]"';

/** How long moto may take to answer its first request. It starts in about a second here. */
const START_TIMEOUT_MS = 20_000;

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const KILL_AFTER_MS = 3_000;

/** How much of moto's output an error message quotes. */
const TAIL_CHARS = 2_000;

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the relay to moto, which answers connections of this process only. */
  readonly endpoint: string;
  /** The Unix socket moto listens on, in a directory of mode 0700. */
  readonly socketPath: string;
  /** Ends the process (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** File that receives moto's output (appended). @default output is discarded */
  readonly logFile?: string;
}

/** Why `moto_server` cannot run here, in one line with how to get it, or `undefined` when it can. */
export function motoMissing(): string | undefined {
  // Running it, not just finding it on PATH: a pyenv shim is on PATH even when the active Python lacks moto.
  const result = spawnSync("moto_server", ["--help"], { stdio: "ignore", timeout: 15_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return `moto_server is not on PATH (${INSTALL_HINT})`;
  if (result.error || result.status !== 0) return `moto_server is on PATH but does not run: \`moto_server --help\` failed (${INSTALL_HINT})`;
  return undefined;
}

/**
 * Starts `moto_server -H unix://<dir>/moto.sock` in a fresh 0700 directory and a relay to it on a free loopback port,
 * and resolves once `GET /moto-api/` answers 200. Throws, with the tail of moto's output, if it exits early or is
 * not ready within 20 s. The process is killed when this Node process exits, so a test run that never calls
 * `stop()` leaves no moto behind.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  // mkdtemp makes the directory 0700: other users cannot reach the socket inside.
  const directory = mkdtempSync(join(tmpdir(), "local-cloud-moto-"));
  const socketPath = join(directory, "moto.sock");
  const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  const output = new OutputTail(log);
  // Not detached: Ctrl-C in a terminal reaches moto too, as part of our process group.
  const child = spawn("moto_server", ["-H", `unix://${socketPath}`], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => output.add(chunk));
  child.stderr!.on("data", (chunk: Buffer) => output.add(chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Spawn errors (ENOENT) arrive as 'error' events; without a listener they would crash the process.
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  // 'exit' handlers must be synchronous: a signal is all we can send. SIGKILL, since nobody waits for a clean stop.
  const killOnExit = () => {
    child.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  let relay: Relay | undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", killOnExit);
      await relay?.close();
      await terminate(child, exited);
      rmSync(directory, { recursive: true, force: true });
      await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    })();
    return stopping;
  };

  try {
    await waitUntilReady(socketPath, child, () => spawnError);
    relay = await startRelay(socketPath);
  } catch (error) {
    await stop();
    const tail = output.tail();
    throw new Error(`${(error as Error).message}${tail ? `; moto's last output:\n${tail}` : ""}`);
  }
  return { endpoint: `http://127.0.0.1:${relay.port}`, socketPath, stop };
}

/** A relay from a loopback port to moto's socket. */
interface Relay {
  readonly port: number;
  /** Stops listening and cuts open connections (an SDK's idle keep-alive socket must not hold a stop up). */
  close(): Promise<void>;
}

/**
 * A loopback TCP port that relays connections of this process to moto's socket and drops every other one. Where
 * the system cannot tell a connection's process (no `/proc`), it relays all, as moto on a TCP port did before.
 */
async function startRelay(socketPath: string): Promise<Relay> {
  const open = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    fromThisProcess(client).then(
      (own) => {
        if (own === false) {
          client.destroy();
          return;
        }
        const upstream = connect(socketPath);
        upstream.on("error", () => client.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/** A free TCP port on loopback: the kernel picks one, and we release it for moto. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Polls moto's own API on its socket until it answers 200, the process dies, or the start timeout passes. */
async function waitUntilReady(socketPath: string, child: ChildProcess, spawnError: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const error = spawnError();
    if (error) throw new Error(`moto_server could not be started: ${error.message} (${INSTALL_HINT})`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited before it was ready (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode})`);
    }
    if ((await statusOf(socketPath)) === 200) return;
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${socketPath} within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The status of `GET /moto-api/` on moto's socket; `undefined` while nothing answers. */
function statusOf(socketPath: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = httpRequest({ socketPath, path: "/moto-api/", timeout: 1_000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
    request.end();
  });
}

/** SIGTERM, then SIGKILL if the process is still there after a grace period; resolves when it has exited. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  // A process that never started (spawn error) has no pid and emits no 'exit'.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last few KiB of moto's output for error messages, and copies it all to the log file if there is one. */
class OutputTail {
  private text = "";

  constructor(private readonly log: WriteStream | undefined) {}

  add(chunk: Buffer): void {
    this.log?.write(chunk);
    this.text = (this.text + chunk.toString("utf8")).slice(-TAIL_CHARS);
  }

  tail(): string {
    return this.text.trim();
  }
}
