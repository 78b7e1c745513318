import { randomUUID } from "node:crypto";
import { RoleSessionStore } from "./auth/role-sessions";
import { CloudView } from "./cloud-view";
import { AccessControl } from "./gateway/access-control";
import { controlRoutes } from "./gateway/control-api";
import { ObservedRequest } from "./gateway/pipeline";
import { Front, startFront } from "./gateway/server";
import { MotoClient } from "./moto/client";
import { MotoServer, startMoto } from "./moto/process";
import { decodeFrontState, encodeFrontState, FrontState, openStateFolder, restoreStores, saveStores, StateSaver, takeNewInstanceMarker } from "./state/cloud-state";
import { warmUpMoto } from "./moto/warm-up";
import { apiGatewayV2Service } from "./services/apigatewayv2";
import { cognitoIdentityService, IdentityStore } from "./services/cognito-identity";
import { cognitoIdpService } from "./services/cognito-idp";
import { LambdaCodeStore, lambdaService } from "./services/lambda";

/**
 * The local cloud put together: moto, the services' stores and handlers, access control and the control API, and
 * the front (gateway/server.ts) that runs every request through its pipeline (gateway/pipeline.ts) to them and to moto.
 */

/** moto behind a front that fills its gaps: one endpoint for every service. */
export interface LocalCloud extends CloudView {
  /** The front, `http://127.0.0.1:<port>`: point AWS clients and Terraform here. */
  readonly endpoint: string;
  /** A new random id per start: what was deployed to one instance is not in the next. */
  readonly instanceId: string;
  /** moto itself, for looking behind the front from this process: on its socket, which no TCP port leads to. */
  readonly motoClient: MotoClient;
  /** The Unix socket moto listens on, in a directory only this user may enter. */
  readonly motoSocketPath: string;
  /** The identities and temporary credentials the front has issued, to verify signed requests against. */
  readonly identities: IdentityStore;
  /** The code and configuration of every Lambda function created through the front, to run them locally. */
  readonly lambdaCode: LambdaCodeStore;
  /**
   * Role sessions: `roleSessions.issue(roleArn, sessionName)` mints credentials of a role (a Lambda function's
   * execution role, with the function's name as session name) that the front accepts and authorizes against the
   * role's identity policies.
   */
  readonly roleSessions: RoleSessionStore;
  /** The pid of moto's server process. */
  readonly motoPid: number;
  /**
   * Resolves with one line saying what happened if moto exits or stops answering before `stop()` (see
   * {@link MotoServer.died}); never resolves otherwise. Meanwhile the front answers 503 naming it.
   */
  readonly died: Promise<string>;
  /** Stops the front, then moto. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalCloud}. */
export interface LocalCloudOptions {
  /** File that receives moto's output (appended). @default output is discarded */
  readonly logFile?: string;
  /**
   * Receives one line the first time a call with role credentials is let through without an IAM check (a service or
   * operation the local cloud does not authorize), and the line of a state file moved aside or a save that failed.
   * @default notes are discarded
   */
  readonly onNote?: (note: string) => void;
  /** The front's port on 127.0.0.1. @default 0, a free port */
  readonly port?: number;
  /** S3 buckets to create at start, such as the local state bucket, so Terraform's S3 backend finds it. @default none */
  readonly buckets?: readonly string[];
  /** Sees every request for AWS the front admits, with its body, before it is answered (to record the calls of a deploy). @default none */
  readonly onRequest?: (request: ObservedRequest) => void;
  /**
   * The folder the cloud keeps its state in (state/cloud-state.ts): what it held when it last stopped, in this folder,
   * is there again, with the same ids; one cloud at a time may use a folder. @default none: the cloud starts with
   * nothing and keeps nothing
   */
  readonly stateFolder?: string;
  /**
   * Whether moto builds the routers of the services the stacks use right after it starts (moto/warm-up.ts), so that a
   * deploy finds them ready: about 0.65 s of moto's CPU, spent for nothing by a cloud that is not deployed to.
   * @default true
   */
  readonly warmUp?: boolean;
}

/**
 * Starts moto and its front on loopback (a free port unless `options.port`), with the handlers for what moto lacks;
 * with `options.stateFolder`, from the state kept there.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const folder = options.stateFolder === undefined ? undefined : openStateFolder(options.stateFolder);
  let moto: MotoServer;
  try {
    moto = await startMoto({ logFile: options.logFile, stateFile: folder?.stateFile });
  } catch (error) {
    folder?.release();
    throw error;
  }
  // One store per cloud, so that two clouds (two test files) never share state.
  const cognitoIdentity = cognitoIdentityService();
  const cognitoIdp = cognitoIdpService();
  const lambda = lambdaService();
  const saver = folder && new StateSaver(() => moto.client.saveState(encodeFrontState(frontState())), (line) => options.onNote?.(line));
  const roleSessions = new RoleSessionStore({ onIssue: () => saver?.changed() });
  const { identities } = cognitoIdentity;
  const kept = { identities, identityPoolRoles: identities.roles, signIn: cognitoIdp.signIn, tokenRevocations: cognitoIdp.tokenRevocations, lambda: lambda.code, roleSessions };
  let instanceId: string = randomUUID();
  const frontState = (): FrontState => ({ instanceId, stores: saveStores(kept) });
  let front: Front | undefined;
  try {
    if (folder) {
      const { front: saved, note } = await moto.client.savedState();
      if (note) options.onNote?.(note);
      const state = decodeFrontState(saved);
      if (state) {
        restoreStores(kept, state.stores);
        if (!takeNewInstanceMarker(folder)) instanceId = state.instanceId;
      }
    }
    // The roles' policies are read through the front itself, with the local key pair: moto is reached only through it.
    let endpoint = "";
    const access = new AccessControl({ identities, roleSessions, iamEndpoint: () => endpoint, onNote: options.onNote });
    const control = controlRoutes({ instanceId, identities, lambdaCode: lambda.code, roleSessions });
    const services = [cognitoIdentity, cognitoIdp, lambda, apiGatewayV2Service()];
    front = await startFront(moto.client, services, { access, control, port: options.port, motoDown: downReason(moto), onRequest: options.onRequest, onChange: () => saver?.changed() });
    endpoint = front.endpoint;
    for (const bucket of options.buckets ?? []) await createBucket(moto.client, bucket);
    // In the background: the first deploy's requests find moto's services ready (moto/warm-up.ts).
    if (options.warmUp !== false) void warmUpMoto(moto.client);
  } catch (error) {
    await front?.stop();
    await moto.stop();
    folder?.release();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: front.endpoint,
    motoClient: moto.client,
    motoSocketPath: moto.socketPath,
    instanceId,
    identities,
    lambdaCode: lambda.code,
    roleSessions,
    motoPid: moto.pid,
    died: moto.died,
    // The last save has the front's stores as they end; moto writes its own part again as it stops.
    stop: () =>
      (stopping ??= front
        .stop()
        .then(() => saver?.flush())
        .finally(() => moto.stop())
        .finally(() => folder?.release())),
  };
}

/** A reader of why `moto` is down: `undefined` until its `died` resolves, then that line. */
function downReason(moto: MotoServer): () => string | undefined {
  let reason: string | undefined;
  void moto.died.then((line) => (reason = line));
  return () => reason;
}

/** Creates an S3 bucket in moto, unless it exists (moto answers 409 BucketAlreadyOwnedByYou, which is fine). */
async function createBucket(moto: MotoClient, bucket: string): Promise<void> {
  const { status } = await moto.request({ method: "PUT", path: `/${bucket}` });
  if (status >= 300 && status !== 409) throw new Error(`the local cloud could not create the bucket ${bucket}: moto answered HTTP ${status}`);
}
