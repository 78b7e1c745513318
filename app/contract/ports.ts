import { quoted, ValidationError } from "../../constructs/validation";

/**
 * The fixed loopback ports of the local environment, so a printed endpoint stays valid across restarts (as
 * LocalStack's 4566 does). Chosen clear of LocalStack's own ports (4566 and 4510-4559), so both can run at once.
 */

/** The local cloud's front (`npm run local:up`, `npm run dev`). */
export const DEFAULT_CLOUD_PORT = 4599;

/** The local API Gateway of `npm run dev`. */
export const DEFAULT_API_PORT = 4600;

/** The environment variable that moves the local cloud's port (the `--port` flag wins over it). */
export const CLOUD_PORT_ENV = "API_AUTH_COGNITO_CLOUD_PORT";

/** The environment variable that moves the local API's port (the `--api-port` flag wins over it). */
export const API_PORT_ENV = "API_AUTH_COGNITO_API_PORT";

/**
 * The port a flag or environment variable names, else `fallback`. `0` asks for any free port. Throws a
 * {@link ValidationError} naming the bad value and where it came from.
 */
export function portSetting(flag: { name: string; value?: string }, envName: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  if (flag.value !== undefined) return parsePort(flag.value, `--${flag.name}`);
  const fromEnv = env[envName];
  if (fromEnv !== undefined && fromEnv !== "") return parsePort(fromEnv, `environment variable ${envName}`);
  return fallback;
}

/** The local cloud's port from the environment (or the default), for the endpoint the local target points at. */
export function cloudPort(env: NodeJS.ProcessEnv = process.env): number {
  return portSetting({ name: "port" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, env);
}

/** `value` as a TCP port, 0-65535. */
function parsePort(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ValidationError(`invalid port ${quoted(value)} (from ${source}): expected a number from 1 to 65535, or 0 for any free port`);
  return port;
}
