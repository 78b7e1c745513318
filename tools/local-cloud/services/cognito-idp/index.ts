import { ServiceHandlers } from "../../protocol/aws-json";
import { userPoolSignInHandlers, UserPoolSignInStore } from "./user-pool-sign-in";
import { userPoolUpdateHandlers } from "./user-pool-updates";

/**
 * Cognito user pools (cognito-idp) beyond moto: sign-in with a real SRP exchange (user-pool-sign-in.ts, with
 * cognito-srp.ts), UpdateUserPool as Cognito does it (user-pool-updates.ts), and the lookups in moto both need and
 * Cognito Identity uses to check a token's user (user-pools.ts).
 */

export { findUser } from "./user-pools";
export type { UserPoolUser } from "./user-pools";

/** cognito-idp with a fresh sign-in store: what the local cloud wires into its front. */
export function cognitoIdpService(): ServiceHandlers {
  return { handlers: { ...userPoolSignInHandlers(new UserPoolSignInStore()), ...userPoolUpdateHandlers() } };
}
