/**
 * The requests AWS serves without a signature, and so the only ones the front lets through unsigned: Cognito user
 * pools' public operations (those the service model marks `smithy.api#noAuth`, as the AWS SDK for JavaScript's
 * auth scheme providers list them), identity pools' public operations, and a user pool's published keys and OpenID
 * configuration.
 */

/** `AWSCognitoIdentityProviderService` operations callable without credentials (a user's tokens or codes instead). */
const USER_POOL_PUBLIC = [
  "AssociateSoftwareToken", "ChangePassword", "CompleteWebAuthnRegistration", "ConfirmDevice", "ConfirmForgotPassword",
  "ConfirmSignUp", "DeleteUser", "DeleteUserAttributes", "DeleteWebAuthnCredential", "ForgetDevice", "ForgotPassword",
  "GetDevice", "GetTokensFromRefreshToken", "GetUser", "GetUserAttributeVerificationCode", "GetUserAuthFactors",
  "GlobalSignOut", "InitiateAuth", "ListDevices", "ListUserSessions", "ListWebAuthnCredentials", "ResendConfirmationCode",
  "RespondToAuthChallenge", "RevokeToken", "RevokeUserSession", "SetUserMFAPreference", "SetUserSettings", "SignUp",
  "StartWebAuthnRegistration", "UpdateAuthEventFeedback", "UpdateDeviceStatus", "UpdateUserAttributes",
  "VerifySoftwareToken", "VerifyUserAttribute",
];

/** `AWSCognitoIdentityService` operations callable without credentials. */
const IDENTITY_POOL_PUBLIC = ["GetCredentialsForIdentity", "GetId", "GetOpenIdToken", "UnlinkIdentity"];

const PUBLIC_TARGETS = new Set([
  ...USER_POOL_PUBLIC.map((operation) => `AWSCognitoIdentityProviderService.${operation}`),
  ...IDENTITY_POOL_PUBLIC.map((operation) => `AWSCognitoIdentityService.${operation}`),
]);

/** `/<region>_<id>/.well-known/jwks.json` or `openid-configuration`: what token verifiers fetch from the issuer. */
const WELL_KNOWN = /^\/[\w-]+_[0-9a-zA-Z]+\/\.well-known\/(jwks\.json|openid-configuration)$/;

/** Whether AWS serves this request unsigned: a public operation by `X-Amz-Target`, or a user pool's well-known document. */
export function servedUnsigned(method: string, path: string, target: string | undefined): boolean {
  if (target !== undefined) return method === "POST" && PUBLIC_TARGETS.has(target);
  return (method === "GET" || method === "HEAD") && WELL_KNOWN.test(path.split("?")[0]);
}
