import { ServiceHandlers } from "../../protocol/aws-json";
import { identityHandlers, IdentityStore } from "./identities";
import { identityPoolRoleHandlers, IdentityPoolRoleStore } from "./identity-pool-roles";

/**
 * Cognito Identity (identity pools) beyond moto: identities per user from verified user pool ID tokens, credentials
 * minted per identity (identities.ts, with cognito-id-tokens.ts), and the pools' roles, which moto lacks
 * (identity-pool-roles.ts); each asks moto whether the pool exists (describe-pool.ts).
 */

export { identityHandlers, IdentityStore } from "./identities";
export type { IdentityStoreOptions, IssuedCredentials } from "./identities";
export { identityPoolRoleHandlers, IdentityPoolRoleStore } from "./identity-pool-roles";

/** The service of one local cloud: its stores, and the handlers backed by them. */
export interface CognitoIdentityService extends ServiceHandlers {
  /** The identities and the credentials minted for them, to verify signed requests against. */
  readonly identities: IdentityStore;
}

/** Cognito Identity with fresh stores: what the local cloud wires into its front. */
export function cognitoIdentityService(): CognitoIdentityService {
  const roles = new IdentityPoolRoleStore();
  const identities = new IdentityStore(roles);
  return { identities, handlers: { ...identityPoolRoleHandlers(roles), ...identityHandlers(identities) } };
}
