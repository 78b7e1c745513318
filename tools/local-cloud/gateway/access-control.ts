import { IncomingHttpHeaders } from "node:http";
import { AwsResponse } from "../protocol/aws-json";
import { errorProtocolOf, refusal, RefusalReason } from "../protocol/aws-refusals";
import { IdentityStore } from "../services/cognito-identity";
import { LOCAL_CREDENTIALS } from "../account";
import { servedUnsigned } from "./public-operations";
import { actionOf } from "../auth/request-actions";
import { KnownKey, needsBody, signatureClaim, verifySignatureClaim } from "../auth/sigv4";
import { authorizeRole } from "../auth/role-policies";
import { RoleSessionStore } from "../auth/role-sessions";

/**
 * Who may use the local cloud, decided by the front before anything reaches moto: requests signed with a key the
 * local cloud knows (the documented local key pair, identity pool credentials it minted, role sessions it minted),
 * with a valid signature; unsigned requests only for the operations AWS serves unsigned. Calls signed with a role's
 * session credentials (a role session or identity pool credentials) are authorized against that role's identity
 * policies for S3, DynamoDB and CloudWatch Logs; other services' calls pass with one note per action.
 */

/** The caller a request was authenticated as. */
export type Caller =
  | { readonly kind: "unsigned" }
  /** Signed with the documented local key pair: Terraform, the tools, a developer's CLI. */
  | { readonly kind: "local" }
  /** Signed with temporary credentials of a role: a role session or identity pool credentials. */
  | { readonly kind: "role"; readonly roleArn: string; readonly sessionName: string; readonly accountId: string; readonly accessKeyId: string };

/**
 * The outcome of {@link AccessControl.admit}: the caller, the signing name of a signed request and the body if it
 * had to be read; or the refusal to send.
 */
export type Admission =
  | { readonly ok: true; readonly caller: Caller; readonly service?: string; readonly body?: Buffer }
  | { readonly ok: false; readonly response: AwsResponse };

/** Options of {@link AccessControl}. */
export interface AccessControlOptions {
  readonly identities: IdentityStore;
  readonly roleSessions: RoleSessionStore;
  /** Where the roles' policies are read (the front itself, signed with the local key pair); known once it listens. */
  readonly iamEndpoint: () => string;
  /** Receives one line per (service, action) whose calls with role credentials are not authorized locally. @default ignored */
  readonly onNote?: (note: string) => void;
  /** The clock, in milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** A request as the front received it. */
export interface IncomingRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** The services whose calls with role credentials are authorized here; the others pass, with one note per action. */
const LOCALLY_AUTHORIZED: ReadonlySet<string> = new Set(["s3", "dynamodb", "logs"]);

/** The session name identity pool credentials carry, as in AWS. */
const IDENTITY_SESSION_NAME = "CognitoIdentityCredentials";

/** The access checks of one front. */
export class AccessControl {
  private readonly noted = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: AccessControlOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Authenticates a request and, for role credentials, authorizes it. `readBody` is called only when the signature
   * covers the body (every signed request but S3's with a literal payload hash), so large S3 uploads keep streaming.
   * `port` is the front's, to read S3 virtual-hosted bucket names.
   */
  async admit(request: IncomingRequest, readBody: () => Promise<Buffer>, port: number): Promise<Admission> {
    const claim = signatureClaim(request.url, request.headers);
    const refuse = (reason: RefusalReason, message?: string): Admission => ({
      ok: false,
      response: refusal(errorProtocolOf(typeof claim === "object" ? claim.service : undefined, request.headers), reason, message, typeof claim === "object" ? claim.accessKeyId : undefined),
    });
    if (typeof claim === "string") return refuse("malformed", claim);
    const target = typeof request.headers["x-amz-target"] === "string" ? request.headers["x-amz-target"] : undefined;
    if (claim === undefined) {
      return servedUnsigned(request.method, request.url, target) ? { ok: true, caller: { kind: "unsigned" } } : refuse("missingAuthentication");
    }

    const body = needsBody(claim, request.headers) ? await readBody() : undefined;
    const { key, caller } = this.keyOf(claim.accessKeyId);
    const verdict = await verifySignatureClaim({ ...request, body }, claim, key, this.now());
    if (!verdict.ok) return refuse(verdict.fault, verdict.fault === "unknownKey" ? undefined : verdict.message);
    const admitted: Admission = { ok: true, caller, service: claim.service, body };
    if (caller.kind !== "role") return admitted;

    const action = actionOf({ ...request, body, service: claim.service, region: claim.region, accountId: caller.accountId, port });
    if (action.kind !== "authorized" || !LOCALLY_AUTHORIZED.has(claim.service)) {
      if (!this.noted.has(action.action)) {
        this.noted.add(action.action);
        this.options.onNote?.(`${action.action} with role credentials is not authorized locally (the local cloud checks S3 objects, DynamoDB and CloudWatch Logs only); it passes.`);
      }
      return admitted;
    }
    for (const resource of action.resources) {
      const decision = await authorizeRole({
        endpoint: this.options.iamEndpoint(),
        roleArn: caller.roleArn,
        sessionName: caller.sessionName,
        action: action.action,
        resource,
      });
      if (!decision.allowed) {
        // S3 quotes the resource in its same-account refusals (S3 User Guide, "Troubleshoot access denied (403
        // Forbidden) errors"); the JSON services do not.
        const named = claim.service === "s3" ? `"${resource}"` : resource;
        const message = `User: ${decision.principal} is not authorized to perform: ${action.action} on resource: ${named} because no identity-based policy allows the ${action.action} action`;
        return refuse("accessDenied", message);
      }
    }
    return admitted;
  }

  /** The key pair of an access key id and the caller it stands for; `key` is `undefined` for a key nobody issued. */
  private keyOf(accessKeyId: string): { key?: KnownKey; caller: Caller } {
    if (accessKeyId === LOCAL_CREDENTIALS.accessKeyId) return { key: LOCAL_CREDENTIALS, caller: { kind: "local" } };
    const session = this.options.roleSessions.session(accessKeyId);
    if (session) {
      const { roleArn, sessionName, accountId } = session;
      return { key: session, caller: { kind: "role", roleArn, sessionName, accountId, accessKeyId } };
    }
    const issued = this.options.identities.credentials(accessKeyId);
    if (issued) {
      const accountId = issued.roleArn.split(":")[4];
      return { key: issued, caller: { kind: "role", roleArn: issued.roleArn, sessionName: IDENTITY_SESSION_NAME, accountId, accessKeyId } };
    }
    return { caller: { kind: "unsigned" } };
  }
}
