import { Agent, request as httpRequest } from "node:http";
import { text } from "node:stream/consumers";
import { SignatureV4 } from "@smithy/signature-v4";
import { CloudView } from "./cloud-view";
import { CONTROL_PREFIX } from "./gateway/control-api";
import type { IssuedCredentials } from "./services/cognito-identity";
import type { FunctionCode } from "./services/lambda";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./account";
import type { RoleCredentials } from "./auth/role-sessions";
import { Sha256 } from "../shared/sha256";

/**
 * A local cloud that runs in another process (`npm run local:up`, or a test's `startLocalCloud`), seen through its
 * front's control API (control-api.ts) with requests signed by the local key pair. Credentials are cached once seen
 * (what the front issued never changes); function code is cached while the change feed (a long poll) is connected,
 * and dropped for each function the feed names (or {@link RemoteCloud.forget} names), so a request runs the code the
 * cloud holds without asking the cloud each time. While the feed is down, every lookup asks the cloud.
 */

/** The signing name of control API requests; the front checks the signature, not the name. */
const SIGNING_NAME = "local-cloud";

/** How long to wait before asking again after the change feed failed. */
const FEED_RETRY_MS = 500;

/** A connection to a local cloud in another process. */
export interface RemoteCloud extends CloudView {
  /** Resolves with a message when the cloud stops answering (the change feed fails twice in a row); never rejects. */
  readonly lost: Promise<string>;
  /**
   * Drops the cached code of these functions (all when `undefined`) now, rather than when the change feed names
   * them a moment later: for a caller that has just changed them itself (a push, an apply).
   */
  forget(names?: readonly string[]): void;
}

/** An answer of the control API. */
interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Connects to the local cloud whose front serves `endpoint`. Rejects, saying what to run, when nothing answers
 * there or what answers is not a local cloud's front.
 */
export async function connectRemoteCloud(endpoint: string): Promise<RemoteCloud> {
  const url = new URL(endpoint);
  // Keep-alive: lookups on a request's path should not pay for a new connection each.
  const agent = new Agent({ keepAlive: true });
  const signer = new SignatureV4({ service: SIGNING_NAME, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, sha256: Sha256 });
  const pending = new Set<() => void>();
  let stopped = false;

  async function call(method: "GET" | "POST", path: string, query: Record<string, string> = {}, body?: unknown, timeoutMs = 10_000): Promise<ControlAnswer> {
    const payload = body === undefined ? "" : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query,
      headers: { host: url.host, ...(payload && { "content-type": "application/json" }) },
      body: payload,
    });
    const search = new URLSearchParams(query).toString();
    return new Promise((resolve, reject) => {
      if (stopped) return reject(new Error("disconnected from the local cloud"));
      const req = httpRequest(
        { hostname: url.hostname, port: url.port, method, path: search ? `${path}?${search}` : path, headers: signed.headers, agent },
        (res) => {
          text(res).then((answer) => {
            pending.delete(abort);
            try {
              resolve({ status: res.statusCode ?? 0, body: answer ? JSON.parse(answer) : undefined });
            } catch {
              reject(new Error(`the local cloud at ${endpoint} answered ${path} with something other than JSON (status ${res.statusCode})`));
            }
          }, reject);
        },
      );
      const abort = () => req.destroy(new Error("disconnected from the local cloud"));
      pending.add(abort);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`the local cloud at ${endpoint} did not answer ${path} within ${timeoutMs} ms`)));
      req.on("error", (error) => {
        pending.delete(abort);
        reject(error);
      });
      req.end(payload);
    });
  }

  /** The body of a 2xx answer; `undefined` for a 404; throws with the cloud's message otherwise. */
  async function fetchJson<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T | undefined> {
    const answer = await call(method, `${CONTROL_PREFIX}${path}`, {}, body);
    if (answer.status === 404) return undefined;
    if (answer.status >= 300) throw new Error(`the local cloud refused ${path}: ${messageOf(answer.body)}`);
    return answer.body as T;
  }

  let instance: { instanceId: string; seq: number };
  try {
    const answer = await call("GET", `${CONTROL_PREFIX}instance`, {}, undefined, 2_000);
    if (answer.status !== 200) throw new Error(`status ${answer.status}: ${messageOf(answer.body)}`);
    instance = answer.body as { instanceId: string; seq: number };
  } catch (error) {
    agent.destroy();
    throw new Error(`no local cloud answers at ${endpoint} (${(error as Error).message}): start one with \`npm run local:up\``);
  }

  const credentialsCache = new Map<string, IssuedCredentials>();
  const codeCache = new Map<string, Promise<FunctionCode | undefined>>();
  /** Bumped whenever cached code is dropped, so a lookup that started before a change does not cache what it read. */
  let epoch = 0;
  let feedLive = true;
  let reportLost: (message: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (reportLost = resolve));

  const forget = (names?: readonly string[]) => {
    epoch++;
    if (names === undefined) codeCache.clear();
    else for (const name of names) codeCache.delete(name);
  };

  // The change feed: one long poll after another, for as long as the client is connected.
  const feed = (async () => {
    let seq = instance.seq;
    let failures = 0;
    while (!stopped) {
      try {
        const answer = await call("GET", `${CONTROL_PREFIX}changes`, { after: String(seq) }, undefined, 60_000);
        if (answer.status !== 200) throw new Error(`status ${answer.status}: ${messageOf(answer.body)}`);
        const change = answer.body as { seq: number; functions: string[]; reset?: boolean };
        forget(change.reset ? undefined : change.functions);
        seq = change.seq;
        feedLive = true;
        failures = 0;
      } catch (error) {
        if (stopped) return;
        feedLive = false;
        forget();
        if (++failures === 2) reportLost(`the local cloud at ${endpoint} stopped answering: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, FEED_RETRY_MS));
      }
    }
  })();

  return {
    endpoint,
    instanceId: instance.instanceId,
    lost,
    forget,
    identities: {
      credentials: async (accessKeyId) => {
        const known = credentialsCache.get(accessKeyId);
        if (known) return known;
        const found = await fetchJson<IssuedCredentials & { expiration: string }>("GET", `credentials/${encodeURIComponent(accessKeyId)}`);
        if (!found) return undefined;
        const issued = { ...found, expiration: new Date(found.expiration) };
        credentialsCache.set(accessKeyId, issued);
        return issued;
      },
    },
    lambdaCode: {
      code: (name) => {
        const cached = feedLive ? codeCache.get(name) : undefined;
        if (cached) return cached;
        const started = epoch;
        const lookup = fetchJson<FunctionCode & { zip: string }>("GET", `functions/${encodeURIComponent(name)}`).then((found) =>
          found && { ...found, zip: Buffer.from(found.zip, "base64") },
        );
        lookup.then(
          (found) => {
            // Absent functions are not cached: one may be created any moment, and the feed may name it late.
            if (found && feedLive && epoch === started) codeCache.set(name, lookup);
          },
          () => undefined,
        );
        return lookup;
      },
    },
    roleSessions: {
      issue: async (roleArn, sessionName) => {
        const issued = await fetchJson<RoleCredentials & { expiration: string }>("POST", "role-sessions", { roleArn, sessionName });
        if (!issued) throw new Error("the local cloud's control API has no role-sessions operation");
        return { ...issued, expiration: new Date(issued.expiration) };
      },
    },
    stop: async () => {
      stopped = true;
      for (const abort of pending) abort();
      await feed;
      agent.destroy();
    },
  };
}

/** The message of a control API error body, or the body itself. */
function messageOf(body: unknown): string {
  if (typeof body === "object" && body !== null && "message" in body) return String((body as { message: unknown }).message);
  return JSON.stringify(body);
}
