/**
 * STS beyond moto: GetCallerIdentity for role credentials the local cloud minted (caller-identity.ts). It depends on
 * who signed the request, so the front's pipeline answers it right after access control, not as a handler.
 */

export { callerIdentityResponse, isGetCallerIdentity } from "./caller-identity";
export type { RoleCaller } from "./caller-identity";
