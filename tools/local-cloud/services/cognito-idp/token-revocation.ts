import { createHash } from "node:crypto";
import { AwsError, AwsJsonRequest, AwsResponse, errorResponse, Handler, HandlerContext, isJsonObject, jsonResponse, parseJsonObject } from "../../protocol/aws-json";
import type { KeptStore } from "../../state/kept-store";
import { AppClient, appClientDirectory, callUserPools, findUser, regionOfUserPool, USER_POOL_SERVICE } from "./user-pools";
import { errorOf, invalid, stringParameter, tokenClaims, userPoolOfClaims } from "./user-pool-requests";

/**
 * Sign-out as Cognito does it. moto 5.2 has no `RevokeToken` (it answers an HTML 500), so a signed-out app's refresh
 * token kept working; its `GlobalSignOut` and `AdminUserGlobalSignOut` do forget the user's tokens, but refuse them
 * afterwards with "Invalid token" or with the token itself as the message. Here:
 *
 * - `RevokeToken` revokes a refresh token and every access token issued from it (they share its `origin_jti`); the
 *   user's other refresh tokens stay valid. The front keeps what it revoked ({@link TokenRevocationStore}), as moto
 *   has no way to forget one refresh token.
 * - `InitiateAuth` and `AdminInitiateAuth` refuse a revoked refresh token (`REFRESH_TOKEN_AUTH`, `REFRESH_TOKEN`) with
 *   `NotAuthorizedException` "Refresh Token has been revoked", and every operation a user authorizes with an access
 *   token refuses a revoked one with `NotAuthorizedException` "Access Token has been revoked", as Cognito words them.
 * - `GlobalSignOut` and `AdminUserGlobalSignOut` stay moto's (it invalidates every token of the user); the front
 *   notes when each user signed out, to word moto's refusals of the older tokens as Cognito does.
 *
 * Sources: the API reference of RevokeToken (its errors), GlobalSignOut and AdminUserGlobalSignOut; the developer
 * guide's "Ending user sessions with token revocation" and "Revoke endpoint" (a disabled feature is refused, a token
 * that is not a refresh token is an unsupported type, bad client credentials are refused, an unknown token is a
 * success); RFC 7009 §2.1 (a token issued to another client is refused); the messages of revoked tokens as Cognito
 * sends them (aws-amplify/amplify-js#3435, aws/aws-sdk-net#1936). Cognito documents no message for RevokeToken's own
 * refusals: those below are the local cloud's words, under Cognito's error types.
 */

/** Cognito's message for a refresh token that was revoked. */
export const REFRESH_TOKEN_REVOKED = "Refresh Token has been revoked";

/** Cognito's message for an access token that was revoked. */
export const ACCESS_TOKEN_REVOKED = "Access Token has been revoked";

/** The operations a signed-in user authorizes with an access token (the SDK's service model, 3.1169): Cognito refuses a revoked one in each. */
const ACCESS_TOKEN_OPERATIONS = [
  "AssociateSoftwareToken", "ChangePassword", "CompleteWebAuthnRegistration", "ConfirmDevice", "DeleteUser", "DeleteUserAttributes",
  "DeleteWebAuthnCredential", "ForgetDevice", "GetDevice", "GetUser", "GetUserAttributeVerificationCode", "GetUserAuthFactors",
  "GlobalSignOut", "ListDevices", "ListUserSessions", "ListWebAuthnCredentials", "RevokeUserSession", "SetUserMFAPreference",
  "SetUserSettings", "StartWebAuthnRegistration", "UpdateDeviceStatus", "UpdateUserAttributes", "VerifySoftwareToken", "VerifyUserAttribute",
];

/** The `AuthFlow`s that redeem a refresh token. */
const REFRESH_FLOWS = new Set(["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"]);

/** The pattern of RevokeToken's `Token`, from the API reference. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-_=.]+$/;

/** When a user last signed out of every session (GlobalSignOut or AdminUserGlobalSignOut). */
export interface GlobalSignOutRecord {
  readonly userPoolId: string;
  /** The user's `sub`, the claim every token of theirs carries. */
  readonly sub: string;
  /** Seconds since the epoch, as tokens' `iat`. */
  readonly at: number;
}

/** What a {@link TokenRevocationStore} holds, as plain data: what the local cloud's saved state keeps of it. */
export interface TokenRevocationState {
  /** The SHA-256 (hex) of every refresh token revoked with RevokeToken; never the tokens themselves. */
  readonly refreshTokens: readonly string[];
  /** The `origin_jti` of those refresh tokens: the access tokens issued from them carry it. */
  readonly origins: readonly string[];
  /** The last global sign-out of each user who signed out. */
  readonly signOuts: readonly GlobalSignOutRecord[];
}

/** The revoked tokens of one local cloud, in memory, and when users signed out everywhere: part of the cloud's kept state. */
export class TokenRevocationStore implements KeptStore<TokenRevocationState> {
  private readonly refreshTokens = new Set<string>();
  private readonly origins = new Set<string>();
  private readonly signOuts = new Map<string, GlobalSignOutRecord>();

  /** `now` is the clock, in milliseconds. @default Date.now */
  constructor(private readonly now: () => number = Date.now) {}

  /** Revokes a refresh token and the access tokens issued from it (its `origin_jti`). */
  revoke(refreshToken: string, origin: string): void {
    this.refreshTokens.add(digest(refreshToken));
    this.origins.add(origin);
  }

  /** Whether a refresh token was revoked. */
  isRevoked(refreshToken: string): boolean {
    return this.refreshTokens.has(digest(refreshToken));
  }

  /** Whether an access token's claims name a revoked refresh token as its origin. */
  isOriginRevoked(claims: Record<string, unknown>): boolean {
    return typeof claims.origin_jti === "string" && this.origins.has(claims.origin_jti);
  }

  /** Notes that a user signed out of every session, now. */
  signedOut(userPoolId: string, sub: string): void {
    this.signOuts.set(JSON.stringify([userPoolId, sub]), { userPoolId, sub, at: Math.floor(this.now() / 1000) });
  }

  /** Whether a token of these claims was issued no later than the second its user last signed out everywhere. */
  issuedBeforeSignOut(claims: Record<string, unknown>): boolean {
    const userPoolId = userPoolOfClaims(claims);
    const record = userPoolId === undefined ? undefined : this.signOuts.get(JSON.stringify([userPoolId, claims.sub]));
    return record !== undefined && typeof claims.iat === "number" && claims.iat <= record.at;
  }

  /** The state as plain data. */
  save(): TokenRevocationState {
    return { refreshTokens: [...this.refreshTokens], origins: [...this.origins], signOuts: [...this.signOuts.values()] };
  }

  /** Replaces the state with `state` (from {@link save}); throws one line naming what is malformed. */
  restore(state: TokenRevocationState): void {
    const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");
    const records = (value: unknown) =>
      Array.isArray(value) && value.every((item) => isJsonObject(item) && typeof item.userPoolId === "string" && typeof item.sub === "string" && typeof item.at === "number");
    if (!isJsonObject(state)) throw new Error("token revocation state must be an object with refreshTokens, origins and signOuts");
    for (const [field, valid] of [["refreshTokens", strings], ["origins", strings], ["signOuts", records]] as const) {
      if (!valid(state[field])) throw new Error(`token revocation state: ${field} must be ${field === "signOuts" ? "an array of { userPoolId, sub, at }" : "an array of strings"}`);
    }
    this.refreshTokens.clear();
    this.origins.clear();
    this.signOuts.clear();
    for (const hash of state.refreshTokens) this.refreshTokens.add(hash);
    for (const origin of state.origins) this.origins.add(origin);
    for (const record of state.signOuts) this.signOuts.set(JSON.stringify([record.userPoolId, record.sub]), { userPoolId: record.userPoolId, sub: record.sub, at: record.at });
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * `handlers` (keyed by `X-Amz-Target`) with sign-out as Cognito does it, backed by `store`: `RevokeToken`, the
 * checks of revoked tokens in front of each handler that takes one (or of moto, for operations no handler answers),
 * and the global sign-outs noted.
 */
export function withTokenRevocation(handlers: Readonly<Record<string, Handler>>, store: TokenRevocationStore): Record<string, Handler> {
  const inner = (operation: string): Handler => handlers[`${USER_POOL_SERVICE}.${operation}`] ?? ((_request, context) => context.forward());

  /** An operation authorized by an access token: a revoked one is refused, and moto's refusal of a signed-out one worded as Cognito's. */
  const checkingAccessToken =
    (operation: string): Handler =>
    async (request, context) => {
      const input = parseJsonObject(request.body);
      const claims = typeof input.AccessToken === "string" ? tokenClaims(input.AccessToken) : undefined;
      if (claims && store.isOriginRevoked(claims)) throw revoked(ACCESS_TOKEN_REVOKED);
      // moto refuses the tokens of a user who signed out; only the message is the front's.
      const signedOut = () => claims !== undefined && store.issuedBeforeSignOut(claims);
      let response: AwsResponse;
      try {
        response = await inner(operation)(request, context);
      } catch (error) {
        if (error instanceof AwsError && error.type === "NotAuthorizedException" && signedOut()) throw revoked(ACCESS_TOKEN_REVOKED);
        throw error;
      }
      return errorOf(response)?.type === "NotAuthorizedException" && signedOut() ? errorResponse(revoked(ACCESS_TOKEN_REVOKED)) : response;
    };

  /** `InitiateAuth` / `AdminInitiateAuth`: a revoked refresh token is refused before moto redeems it. */
  const checkingRefreshToken =
    (operation: string): Handler =>
    async (request, context) => {
      const input = parseJsonObject(request.body);
      const parameters = isJsonObject(input.AuthParameters) ? input.AuthParameters : {};
      const token = parameters.REFRESH_TOKEN;
      if (!REFRESH_FLOWS.has(String(input.AuthFlow)) || typeof token !== "string") return inner(operation)(request, context);
      if (store.isRevoked(token)) throw revoked(REFRESH_TOKEN_REVOKED);
      const response = await inner(operation)(request, context);
      // moto's AdminInitiateAuth refuses the token of a user who signed out with the token itself as its message.
      const error = errorOf(response);
      return error?.type === "NotAuthorizedException" && error.message === token ? errorResponse(revoked(REFRESH_TOKEN_REVOKED)) : response;
    };

  const checked: Record<string, Handler> = { ...handlers };
  for (const operation of ACCESS_TOKEN_OPERATIONS) checked[`${USER_POOL_SERVICE}.${operation}`] = checkingAccessToken(operation);
  for (const operation of ["InitiateAuth", "AdminInitiateAuth"]) checked[`${USER_POOL_SERVICE}.${operation}`] = checkingRefreshToken(operation);

  checked[`${USER_POOL_SERVICE}.GlobalSignOut`] = async (request, context) => {
    const response = await checkingAccessToken("GlobalSignOut")(request, context);
    const claims = tokenClaims(String(parseJsonObject(request.body).AccessToken));
    const userPoolId = userPoolOfClaims(claims);
    if (response.status === 200 && userPoolId !== undefined && typeof claims?.sub === "string") store.signedOut(userPoolId, claims.sub);
    return response;
  };

  checked[`${USER_POOL_SERVICE}.AdminUserGlobalSignOut`] = async (request, context) => {
    const input = parseJsonObject(request.body);
    const response = await inner("AdminUserGlobalSignOut")(request, context);
    if (response.status === 200 && typeof input.UserPoolId === "string" && typeof input.Username === "string") {
      const user = await findUser(context.moto, request.accessKeyId, input.UserPoolId, input.Username);
      if (user) store.signedOut(input.UserPoolId, user.sub);
    }
    return response;
  };

  checked[`${USER_POOL_SERVICE}.RevokeToken`] = (request, context) => revokeToken(request, context, store);
  return checked;
}

/** `RevokeToken`: the client authenticated, revocation enabled on it, then the refresh token and its access tokens revoked. */
async function revokeToken(request: AwsJsonRequest, context: HandlerContext, store: TokenRevocationStore): Promise<AwsResponse> {
  const input = parseJsonObject(request.body);
  const token = stringParameter(input, "Token");
  const clientId = stringParameter(input, "ClientId");
  if (!TOKEN_PATTERN.test(token)) throw invalid(`1 validation error detected: Value at 'token' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+`);

  // The client first (RFC 7009 §2.1): an unknown client, or a wrong or missing secret, is the revoke endpoint's invalid_client.
  let client: AppClient;
  try {
    client = await appClientDirectory(context.moto).client(clientId, { accessKeyId: request.accessKeyId, region: request.region });
  } catch (error) {
    if (error instanceof AwsError && error.type === "ResourceNotFoundException") throw unauthorized(`Client ${clientId} does not exist.`);
    throw error;
  }
  if (client.secret !== undefined && input.ClientSecret !== client.secret) {
    throw unauthorized(input.ClientSecret === undefined ? `Client ${clientId} has a secret: ClientSecret is required.` : `Client secret does not match for client ${clientId}.`);
  }
  if (!client.tokenRevocation) {
    throw new AwsError(400, "UnsupportedOperationException", `Token revocation is not enabled for client ${clientId}: set EnableTokenRevocation on the app client.`);
  }
  const use = tokenClaims(token)?.token_use;
  if (use !== undefined) throw new AwsError(400, "UnsupportedTokenTypeException", `RevokeToken revokes refresh tokens; this is ${use === "id" ? "an ID" : "an access"} token.`);
  if (store.isRevoked(token)) return jsonResponse({});

  const issued = await issuedFrom(context, client, token);
  // An unknown token, or one a global sign-out already invalidated: nothing to revoke, and a success, as the revoke endpoint answers.
  if (!issued) return jsonResponse({});
  if (issued.clientId !== clientId) throw unauthorized(`The refresh token was not issued to client ${clientId}.`);
  store.revoke(token, issued.origin);
  return jsonResponse({});
}

/**
 * The client and `origin_jti` of a refresh token moto knows in the client's pool, read from the access token moto
 * issues for it; `undefined` when moto has no such valid token. moto's InitiateAuth answers an unknown token with
 * "Refresh Token has been revoked" (its AdminInitiateAuth with a 500), but checks a client's secret hash against the
 * token's user, which only the admin flow skips: a token it did not call revoked exists, and the admin flow reads it.
 */
async function issuedFrom(context: HandlerContext, client: AppClient, token: string): Promise<{ clientId: string; origin: string } | undefined> {
  const scope = { accessKeyId: client.accessKeyId, region: regionOfUserPool(client.userPoolId) };
  const redeem = { ClientId: client.clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: token } };
  let answer: Record<string, unknown>;
  try {
    answer = await callUserPools(context.moto, scope, "InitiateAuth", redeem);
  } catch (error) {
    if (!(error instanceof AwsError && error.type === "NotAuthorizedException")) throw error;
    if (error.message === REFRESH_TOKEN_REVOKED) return undefined;
    answer = await callUserPools(context.moto, scope, "AdminInitiateAuth", { ...redeem, UserPoolId: client.userPoolId });
  }
  const result = isJsonObject(answer.AuthenticationResult) ? answer.AuthenticationResult : {};
  const claims = typeof result.AccessToken === "string" ? tokenClaims(result.AccessToken) : undefined;
  if (typeof claims?.client_id !== "string" || typeof claims.origin_jti !== "string") {
    throw new AwsError(500, "InternalErrorException", "moto redeemed the refresh token without an access token carrying client_id and origin_jti");
  }
  return { clientId: claims.client_id, origin: claims.origin_jti };
}

/** Cognito's refusal of a revoked token. */
function revoked(message: typeof ACCESS_TOKEN_REVOKED | typeof REFRESH_TOKEN_REVOKED): AwsError {
  return new AwsError(400, "NotAuthorizedException", message);
}

/** RevokeToken's refusal of the client's credentials or of a token it may not revoke. */
function unauthorized(message: string): AwsError {
  return new AwsError(400, "UnauthorizedException", message);
}
