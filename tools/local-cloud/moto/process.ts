import { createWriteStream, mkdirSync, mkdtempSync, rmSync, WriteStream } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GuardedProcess } from "../../cli/guarded-process";
import { MotoClient } from "./client";
import { INSTALL_HINT, motoPython } from "./missing";

/**
 * The moto AWS emulator (moto's server run by server.py beside this file, on the machine's Python) as a child process
 * that no other process can reach but this user's: it listens on a Unix socket in a directory only its user may enter (0700), not on a TCP
 * port, so that the front is the only way in for other users' programs and for web pages. Code of this process that
 * looks behind the front (the front's handlers, tests) talks to the socket directly ({@link MotoClient}).
 */

/** How long moto may take to answer its first request. It starts in about a second here. */
const START_TIMEOUT_MS = 20_000;

/** How much of moto's output an error message quotes. */
const TAIL_CHARS = 2_000;

/** A running moto server. */
export interface MotoServer {
  /** This process's client of moto, on its socket. */
  readonly client: MotoClient;
  /** The Unix socket moto listens on, in a directory of mode 0700. */
  readonly socketPath: string;
  /** The pid of moto's server process (its guard's child). */
  readonly pid: number;
  /**
   * Resolves, with one line saying what happened (`moto (pid 123) exited (killed by SIGKILL); its last output:
   * ...`), if moto exits or leaves its own API unanswered for 4 s before `stop()` is called; never resolves otherwise.
   */
  readonly died: Promise<string>;
  /** Ends the process (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** File that receives moto's output (appended). @default output is discarded */
  readonly logFile?: string;
  /**
   * The file moto keeps its state in (server.py): read as it starts, written when the front saves and when moto is
   * stopped. @default none: moto starts with nothing and keeps nothing
   */
  readonly stateFile?: string;
}

/** moto's server with its state kept in a file, run by the machine's Python. */
export const MOTO_SERVER = join(__dirname, "server.py");


/**
 * Starts moto's server (`python3 server.py -H unix://<dir>/moto.sock`) in a fresh 0700 directory, and resolves once `GET /moto-api/`
 * answers 200. Throws, with the tail of moto's output, if it exits early or is not ready within 20 s. moto runs under
 * its guard (guarded-process.ts), in a session of its own: Ctrl-C in a terminal reaches this process only, which
 * stops moto in its turn, and when this process ends in any way, even `kill -9`, the guard stops moto and removes its
 * directory. So a test run that never calls `stop()` leaves no moto behind.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  // mkdtemp makes the directory 0700: other users cannot reach the socket inside.
  const directory = mkdtempSync(join(tmpdir(), MOTO_DIR_PREFIX));
  const socketPath = join(directory, "moto.sock");
  if (options.logFile) mkdirSync(dirname(options.logFile), { recursive: true });
  const log = options.logFile ? createWriteStream(options.logFile, { flags: "a" }) : undefined;
  const output = new OutputTail(log);
  const state = options.stateFile === undefined ? [] : ["--state", options.stateFile];
  const guard = new GuardedProcess(directory, motoPython(), [MOTO_SERVER, "-H", `unix://${socketPath}`, ...state]);
  guard.guard.stdout!.on("data", (chunk: Buffer) => output.add(chunk));
  guard.guard.stderr!.on("data", (chunk: Buffer) => output.add(chunk));
  // A test that never calls stop(): the closing channel would do, a signal is quicker (the guard stops moto on it).
  const stopOnExit = () => guard.guard.kill("SIGTERM");
  process.once("exit", stopOnExit);
  const client = new MotoClient(socketPath);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", stopOnExit);
      health?.stop();
      client.close();
      await guard.stop();
      rmSync(directory, { recursive: true, force: true });
      output.flush();
      await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    })();
    return stopping;
  };

  let health: HealthWatch | undefined;
  try {
    await waitUntilReady(socketPath, guard);
  } catch (error) {
    await stop();
    const tail = output.tail();
    throw new Error(`${(error as Error).message}${tail ? `; moto's last output:\n${tail}` : ""}`);
  }
  const pid = guard.pid!;
  // Death is reported only if nobody asked for it: after stop() the promise stays pending.
  const died = new Promise<string>((resolve) => {
    const report = (what: string) => {
      if (stopping) return;
      const last = output.lastLines(3);
      resolve(`moto (pid ${pid}) ${what}${last ? `; its last output: ${last}` : ""}`);
    };
    void guard.exited.then((status) => report(`exited (${status})`));
    health = new HealthWatch(socketPath, () => report(`stopped answering on ${socketPath} for ${HUNG_AFTER_MS / 1000} s`));
  });
  return { client, socketPath, pid, died, stop };
}

/** The name of moto's socket directories under the system's temporary folder: `local-cloud-moto-XXXXXX`. */
export const MOTO_DIR_PREFIX = "local-cloud-moto-";

/** How long moto may leave its own API unanswered before it counts as dead (it answers in milliseconds). */
const HUNG_AFTER_MS = 4_000;

/** How often the health watch asks. */
const HEALTH_EVERY_MS = 1_000;

/** Asks moto's own API, one request at a time, and calls `onHung` once if an answer takes longer than {@link HUNG_AFTER_MS}. */
class HealthWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly socketPath: string,
    private readonly onHung: () => void,
  ) {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    // Unref'd: the watch alone must not keep a process alive.
    this.timer = setTimeout(() => void this.check(), HEALTH_EVERY_MS).unref();
  }

  private async check(): Promise<void> {
    const status = await statusOf(this.socketPath, HUNG_AFTER_MS);
    if (this.stopped) return;
    // A refused connection is an exit, which the guard reports with moto's status; only silence is ours to report.
    if (status === "timeout") {
      this.stopped = true;
      this.onHung();
      return;
    }
    this.schedule();
  }
}

/** Polls moto's own API on its socket until it answers 200, the process dies, or the start timeout passes. */
async function waitUntilReady(socketPath: string, guard: GuardedProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (guard.spawnError) {
      throw new Error(/ENOENT/.test(guard.spawnError) ? `${motoPython()} is not on PATH (${INSTALL_HINT})` : `moto could not be started: ${guard.spawnError} (${INSTALL_HINT})`);
    }
    // A pyenv shim is on PATH even when the active Python lacks moto: it exits at once.
    if (guard.status !== undefined) throw new Error(`moto exited before it was ready (${guard.status}; ${INSTALL_HINT})`);
    // The pid arrives just after the spawn; ready means both.
    if ((await statusOf(socketPath)) === 200 && guard.pid !== undefined) return;
    if (Date.now() > deadline) throw new Error(`moto did not answer on ${socketPath} within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The status of `GET /moto-api/` on moto's socket; `undefined` while nothing listens, `"timeout"` when nothing answers
 * in time. On a connection of its own, never queued behind the {@link MotoClient}'s: a busy moto is not a dead one.
 */
function statusOf(socketPath: string, timeoutMs = 1_000): Promise<number | "timeout" | undefined> {
  return new Promise((resolve) => {
    const request = httpRequest({ socketPath, path: "/moto-api/", timeout: timeoutMs }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode));
    });
    request.on("timeout", () => {
      resolve("timeout");
      request.destroy();
    });
    request.on("error", () => resolve(undefined));
    request.end();
  });
}

/** A line of moto's output that answers the health watch or the start poll: not news, kept out of the log and the tail. */
const HEALTH_LINE = /"GET \/moto-api\/ HTTP\/1\.1" 200/;

/** werkzeug's start banner: in the log, but no news in a message about moto's death. */
const BANNER_LINE = /^(WARNING: This is a development server|\* Running on |Press CTRL\+C to quit)/;

/** Keeps the last few KiB of moto's output for error messages, and copies it all to the log file if there is one. */
class OutputTail {
  private text = "";
  /** The start of a line whose end has not arrived yet. */
  private partial = "";

  constructor(private readonly log: WriteStream | undefined) {}

  add(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = lines.pop()!;
    const kept = lines.filter((line) => !HEALTH_LINE.test(line));
    if (kept.length === 0) return;
    const text = kept.map((line) => `${line}\n`).join("");
    this.log?.write(text);
    this.text = (this.text + text).slice(-TAIL_CHARS);
  }

  /** Writes out a last line that has no newline yet. */
  flush(): void {
    if (this.partial) this.add(Buffer.from("\n"));
  }

  tail(): string {
    return (this.text + this.partial).trim();
  }

  /** The last `count` non-empty lines but the start banner, joined by " | ": one line for a message. */
  lastLines(count: number): string {
    const lines = this.tail().split("\n").map((line) => line.trim());
    return lines.filter((line) => line && !BANNER_LINE.test(line)).slice(-count).join(" | ");
  }
}
