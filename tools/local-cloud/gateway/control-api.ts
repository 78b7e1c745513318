import { quoted } from "../../../constructs/validation";
import { AwsError, AwsResponse, jsonResponse, parseJsonObject, RestRoute } from "../protocol/aws-json";
import { IdentityStore } from "../services/cognito-identity";
import { LambdaCodeStore } from "../services/lambda";
import { reducedPath } from "./request-target";
import { RoleSessionStore } from "../auth/role-sessions";

/**
 * The local cloud's control API: what a local API Gateway in another process (`npm run dev` attached to
 * `npm run local:up`) needs of the front's own stores, which live in the front's process. Served by the front under
 * {@link CONTROL_PREFIX}, only to requests signed with the local key pair (the account's admin, which Terraform and
 * the tools sign with); the front refuses every other caller there (see `pipeline.ts`), and answers 404 itself for a
 * path under it that names no operation: none of it reaches moto.
 *
 * - `GET  /_local-cloud/instance`: `{ instanceId, seq }` (the last change number), also the health check.
 * - `GET  /_local-cloud/credentials/<accessKeyId>`: identity pool credentials the front minted, or 404.
 * - `POST /_local-cloud/role-sessions` `{ roleArn, sessionName }`: a new role session's credentials.
 * - `GET  /_local-cloud/functions/<name>`: a function's code (zip in base64) and configuration, or 404.
 * - `GET  /_local-cloud/changes?after=<n>`: `{ seq, functions }`, the functions created, changed or deleted after
 *   change `n`; waits up to {@link LONG_POLL_MS} for one (long polling), so clients can cache code between changes.
 */

/** The path prefix of the control API; AWS serves nothing under it. */
export const CONTROL_PREFIX = "/_local-cloud/";

/** How long a `changes` request waits for a change before answering with none. */
export const LONG_POLL_MS = 20_000;

/** Whether a request path (with or without query) is the control API's, however it is spelled (`%5F`, `//`, ...). */
export function isControlPath(path: string): boolean {
  return `${reducedPath(path)}/`.startsWith(CONTROL_PREFIX);
}

/** The stores the control API reads. */
export interface ControlStores {
  readonly instanceId: string;
  readonly identities: IdentityStore;
  readonly lambdaCode: LambdaCodeStore;
  readonly roleSessions: RoleSessionStore;
}

/** The change feed of function code: a sequence number per change, and waiters for the next one. */
class CodeChanges {
  seq = 0;
  private readonly log: { seq: number; name: string }[] = [];
  private waiters: (() => void)[] = [];

  constructor(store: LambdaCodeStore) {
    store.on("update", (name) => {
      this.seq++;
      this.log.push({ seq: this.seq, name });
      // Only the recent past is kept; a client further behind is told to forget everything (`reset`).
      if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }

  /** The names changed after `after`, or `undefined` when the log no longer reaches back that far. */
  since(after: number): string[] | undefined {
    if (after > this.seq) return undefined;
    const oldest = this.log[0]?.seq ?? this.seq + 1;
    if (after < oldest - 1) return undefined;
    return [...new Set(this.log.filter((entry) => entry.seq > after).map((entry) => entry.name))];
  }

  /** Resolves at the next change or after `ms`, whichever is first. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // A long poll waiting here keeps no process alive: not the cloud's, once it stops, nor a test worker's.
      const timer = setTimeout(resolve, ms).unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A percent-encoded path segment decoded; `undefined` for a malformed escape, which names nothing the cloud holds. */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Changes kept for clients that are behind. */
const MAX_LOG = 1000;

/** The control API's routes, for the front's REST routes. */
export function controlRoutes(stores: ControlStores): RestRoute[] {
  const changes = new CodeChanges(stores.lambdaCode);
  const path = (rest: string) => new RegExp(`^${CONTROL_PREFIX}${rest}$`);
  return [
    { method: "GET", path: path("instance"), handler: async () => jsonResponse({ instanceId: stores.instanceId, seq: changes.seq }) },
    {
      method: "GET",
      // Any key id a caller sends (lower case, spaces, ...): one the cloud never minted is simply not found.
      path: path("credentials/([^/]+)"),
      handler: async (_request, _context, match) => {
        const accessKeyId = decodedSegment(match[1]);
        const issued = accessKeyId === undefined ? undefined : stores.identities.credentials(accessKeyId);
        if (!issued) throw new AwsError(404, "ResourceNotFoundException", `the local cloud issued no credentials with access key id ${quoted(accessKeyId ?? match[1])}`);
        return jsonResponse(issued);
      },
    },
    {
      method: "POST",
      path: path("role-sessions"),
      handler: async (request) => {
        const { roleArn, sessionName } = parseJsonObject(request.body);
        if (typeof roleArn !== "string" || typeof sessionName !== "string") {
          throw new AwsError(400, "ValidationException", "expected a JSON object with the strings roleArn and sessionName");
        }
        try {
          return jsonResponse(stores.roleSessions.issue(roleArn, sessionName));
        } catch (error) {
          throw new AwsError(400, "ValidationException", (error as Error).message);
        }
      },
    },
    {
      method: "GET",
      path: path("functions/([^/]+)"),
      handler: async (_request, _context, match) => {
        const name = decodedSegment(match[1]);
        const code = name === undefined ? undefined : stores.lambdaCode.code(name);
        if (!code) throw new AwsError(404, "ResourceNotFoundException", `the local cloud holds no code of a function named ${quoted(name ?? match[1])}`);
        return jsonResponse({ ...code, zip: code.zip.toString("base64") });
      },
    },
    {
      method: "GET",
      path: path("changes"),
      handler: async (request): Promise<AwsResponse> => {
        const after = Number(new URLSearchParams(request.path.split("?")[1] ?? "").get("after") ?? "0");
        if (!Number.isInteger(after) || after < 0) throw new AwsError(400, "ValidationException", `after must be a change number, not ${after}`);
        if (after === changes.seq) await changes.next(LONG_POLL_MS);
        const functions = changes.since(after);
        return jsonResponse(functions ? { seq: changes.seq, functions } : { seq: changes.seq, reset: true, functions: [] });
      },
    },
  ];
}
