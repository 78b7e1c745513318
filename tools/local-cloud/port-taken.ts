import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { CLOUD_FILE } from "./running-cloud";

/** A port a command listens on, with the flag and environment variable that choose another. */
export interface PortChoice {
  readonly port: number;
  /** The command's flag without dashes: `port`. */
  readonly flag: string;
  /** The environment variable: `API_AUTH_COGNITO_CLOUD_PORT`. */
  readonly env: string;
}

/**
 * `error` as one line when it is a listen on one of `choices` that found the port taken (`EADDRINUSE`): the port,
 * who holds it when the record of a running `local:up` tells, and how to choose another. Any other error is
 * returned as it is.
 */
export function explainTakenPort(error: unknown, choices: readonly PortChoice[]): unknown {
  const { code, port } = (error ?? {}) as { code?: string; port?: number };
  const choice = choices.find((c) => c.port === port);
  if (code !== "EADDRINUSE" || !choice) return error;
  return new Error(`port ${port} on 127.0.0.1 is taken${holderOf(choice.port)}: choose another with --${choice.flag} <port> or ${choice.env}=<port> (0: any free port)`);
}

/** Who listens on `port`, as far as the record of a running `local:up` tells. */
function holderOf(port: number): string {
  const where = relative(process.cwd(), CLOUD_FILE) || CLOUD_FILE;
  try {
    if (existsSync(CLOUD_FILE)) {
      const { endpoint, pid } = JSON.parse(readFileSync(CLOUD_FILE, "utf8")) as { endpoint: string; pid: number };
      if (Number(new URL(endpoint).port) === port && isAlive(pid)) return ` by npm run local:up (pid ${pid}, see ${where})`;
    }
  } catch {
    // An unreadable record tells nothing: fall through to the general hint.
  }
  return ` (another npm run local:up or npm run dev? see ${where})`;
}

/** Whether a process with this id runs (signal 0 only checks). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
