import type { IssuedCredentials } from "./services/cognito-identity";
import type { FunctionCode } from "./services/lambda";
import type { RoleCredentials } from "./auth/role-sessions";

/**
 * What a local API Gateway needs of a local cloud, whether the cloud runs in its own process (`startLocalCloud`,
 * whose stores answer at once) or in another one (`connectRemoteCloud`, which asks the front's control API and
 * answers with promises). Both satisfy this one interface, so the API server never knows which it was given.
 */

/** A value, or a promise of it: the in-process stores answer synchronously, the remote client asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/** The parts of a local cloud the local API uses. */
export interface CloudView {
  /** The front, `http://127.0.0.1:<port>`: point AWS clients and Terraform here. */
  readonly endpoint: string;
  /** Changes each time a local cloud starts: what was deployed to one instance is not in the next. */
  readonly instanceId: string;
  /** Identity pool credentials by access key id, to verify signed requests against. */
  readonly identities: { credentials(accessKeyId: string): Awaitable<IssuedCredentials | undefined> };
  /** The deployed code and configuration of a function by name, to run it locally. */
  readonly lambdaCode: { code(name: string): Awaitable<FunctionCode | undefined> };
  /** Mints a role session (a function's execution role, with the function's name as session name). */
  readonly roleSessions: { issue(roleArn: string, sessionName: string): Awaitable<RoleCredentials> };
  /** Lets go of the cloud: stops an in-process cloud; a remote client only disconnects, the cloud keeps running. */
  stop(): Promise<void>;
}
