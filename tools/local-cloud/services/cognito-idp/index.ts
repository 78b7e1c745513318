import { ServiceHandlers } from "../../protocol/aws-json";
import { TokenRevocationStore, withTokenRevocation } from "./token-revocation";
import { userPoolSignInHandlers, UserPoolSignInStore } from "./user-pool-sign-in";
import { userPoolUpdateHandlers } from "./user-pool-updates";

/**
 * Cognito user pools (cognito-idp) beyond moto: sign-in with a real SRP exchange (user-pool-sign-in.ts, with
 * cognito-srp.ts), sign-out with revoked tokens refused (token-revocation.ts), UpdateUserPool as Cognito does it
 * (user-pool-updates.ts), and the lookups in moto they need and Cognito Identity uses to check a token's user
 * (user-pools.ts).
 */

export { findUser } from "./user-pools";
export type { UserPoolUser } from "./user-pools";
export { TokenRevocationStore } from "./token-revocation";
export type { GlobalSignOutRecord, TokenRevocationState } from "./token-revocation";

/** The service of one local cloud: its stores, and the handlers backed by them. */
export interface CognitoIdpService extends ServiceHandlers {
  /** The refresh tokens revoked and the users signed out everywhere: part of the cloud's kept state (`save()`, `restore()`). */
  readonly tokenRevocations: TokenRevocationStore;
  /** The password verifiers of SRP sign-in: part of the cloud's kept state too. */
  readonly signIn: UserPoolSignInStore;
}

/** cognito-idp with fresh stores: what the local cloud wires into its front. */
export function cognitoIdpService(): CognitoIdpService {
  const tokenRevocations = new TokenRevocationStore();
  const signIn = new UserPoolSignInStore();
  const handlers = { ...userPoolSignInHandlers(signIn), ...userPoolUpdateHandlers() };
  return { tokenRevocations, signIn, handlers: withTokenRevocation(handlers, tokenRevocations) };
}
