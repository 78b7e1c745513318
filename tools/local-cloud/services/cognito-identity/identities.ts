import { randomUUID } from "node:crypto";
import { DescribeIdentityPoolCommandOutput } from "@aws-sdk/client-cognito-identity";
import { AwsError, describe, Handler, HandlerContext, isJsonObject, jsonResponse, parseJsonObject } from "../../protocol/aws-json";
import { UserPoolKeys, verifyIdToken } from "./cognito-id-tokens";
import { IdentityPoolRoleStore } from "./identity-pool-roles";
import { describePool } from "./describe-pool";
import { temporaryKeys } from "../../auth/temporary-keys";
import { MotoClient } from "../../moto/client";
import { findUser } from "../cognito-idp";
import type { KeptStore } from "../../state/kept-store";

/**
 * Identity pool identities and their temporary credentials, which moto 5.2 gets wrong for our purpose: its `GetId`
 * returns a new random id on every call, its `GetCredentialsForIdentity` one fixed key pair for everybody, and its
 * `GetOpenIdToken` a token for any id, without logins. Here the front answers the first two itself, and lets the
 * third through to moto only for an identity it issued, with the logins that identity needs: it verifies the user pool ID token in `Logins`, keeps one identity per user, and
 * mints credentials per identity, mapped to the role of the pool's roles attachment. A token counts only while its
 * user exists in the user pool and is enabled: moto signs with a key anyone can read in its package. The API server
 * of the local cloud looks callers up by access key id ({@link IdentityStore.credentials}) to check signatures and
 * fill in `requestContext.authorizer.iam`.
 */

/** The service prefix of cognito-identity's `X-Amz-Target` values. */
const SERVICE = "AWSCognitoIdentityService";

/** How long minted credentials are valid, as `GetCredentialsForIdentity` in AWS. */
export const CREDENTIALS_LIFETIME_MS = 60 * 60 * 1000;

/** `REGION:GUID`, the pattern and length AWS documents for `IdentityPoolId` and `IdentityId`. */
const REGION_GUID = /^[\w-]+:[0-9a-f-]+$/;
const REGION_GUID_MAX_LENGTH = 55;

/** `cognito-idp.<region>.amazonaws.com/<userPoolId>`, the `Logins` key of a user pool. */
const USER_POOL_PROVIDER = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([\w-]+_[0-9a-zA-Z]+)$/;

/** AWS's messages, verbatim, for the cases clients and people search for. */
const GUESTS_OFF = "Unauthenticated access is not supported for this identity pool.";
const UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool.";
const LOGINS_DO_NOT_MATCH = "Logins don't match. Please include at least one valid login for this identity or identity pool.";
const NO_ROLE = "Invalid identity pool configuration. Check assigned IAM roles for this pool.";
/** Ours: moto signs every token with a key published in its package, so a valid signature does not prove a user. */
const NO_SUCH_USER = "Invalid login token. The user of this token does not exist in the user pool or is disabled.";

/** A user's login, once its token was verified. */
export interface VerifiedLogin {
  /** The `Logins` key, `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  readonly provider: string;
  /** The token's `iss`: `https://` and the provider. */
  readonly issuer: string;
  /** The user's `sub` in the user pool. */
  readonly sub: string;
}

/** One identity of an identity pool. */
export interface Identity {
  /** `<region>:<uuid>`. */
  readonly identityId: string;
  readonly identityPoolId: string;
  /** The user, or `undefined` for a guest (unauthenticated) identity. */
  readonly login?: VerifiedLogin;
  /** The access key the identity was created with; moto derives the account from it. */
  readonly motoAccessKeyId: string;
}

/** Temporary credentials minted for an identity, and what they stand for. */
export interface IssuedCredentials {
  /** `ASIA` and 16 upper-case letters and digits, like STS's temporary keys. */
  readonly accessKeyId: string;
  /** 40 random characters: the key a SigV4 signature is checked with. */
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly identityId: string;
  readonly identityPoolId: string;
  /** The role the caller acts as: the pool's authenticated or unauthenticated role. */
  readonly roleArn: string;
  /**
   * As Lambda sees it in `requestContext.authorizer.iam.cognitoIdentity.amr`: `["authenticated",
   * "<provider>", "<provider>:CognitoSignIn:<sub>"]`, or `["unauthenticated"]` for a guest.
   */
  readonly amr: readonly string[];
}

/** Options of {@link IdentityStore}. */
export interface IdentityStoreOptions {
  /** The clock, in milliseconds since the epoch: token expiry and credential expiration. @default Date.now */
  readonly now?: () => number;
}

/**
 * The identities and credentials of one local cloud, in memory. Like Cognito, which stores the link between a login
 * and an identity when it first sees the login, the id of a user is created once per (identity pool, issuer, `sub`)
 * and returned on every later `GetId`; a guest gets a new identity on each `GetId` without logins.
 */
/** The one identity of a user in a pool is keyed by the pool, the token's issuer and the user's `sub`. */
function loginKey(identityPoolId: string, login: VerifiedLogin): string {
  return JSON.stringify([identityPoolId, login.issuer, login.sub]);
}

/** What an {@link IdentityStore} keeps: its identities and the credentials it minted (logins are derived). */
export interface SavedIdentities {
  readonly identities: readonly Identity[];
  readonly issued: readonly IssuedCredentials[];
}

export class IdentityStore implements KeptStore<SavedIdentities> {
  /** The clock this store and its handlers use. */
  readonly now: () => number;
  private readonly identities = new Map<string, Identity>();
  private readonly byLogin = new Map<string, string>();
  private readonly issued = new Map<string, IssuedCredentials>();

  /** `roles` is the cloud's roles store, which `SetIdentityPoolRoles` fills. */
  constructor(
    readonly roles: IdentityPoolRoleStore,
    options: IdentityStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The identity of a user in a pool, created on first use; a new guest identity when `login` is `undefined`. */
  identityFor(identityPoolId: string, login: VerifiedLogin | undefined, motoAccessKeyId: string): Identity {
    const key = login && loginKey(identityPoolId, login);
    const known = key === undefined ? undefined : this.byLogin.get(key);
    if (known !== undefined) return this.identities.get(known)!;
    // An identity lives in the region of its pool, whatever region the request was signed for.
    const identity: Identity = { identityId: `${identityPoolId.split(":")[0]}:${randomUUID()}`, identityPoolId, login, motoAccessKeyId };
    this.identities.set(identity.identityId, identity);
    if (key !== undefined) this.byLogin.set(key, identity.identityId);
    return identity;
  }

  /** An identity by id; `undefined` when this cloud never issued it. */
  identity(identityId: string): Identity | undefined {
    return this.identities.get(identityId);
  }

  /**
   * Mints credentials for an identity, for the pool's authenticated role (a user) or unauthenticated role (a
   * guest). Throws `InvalidIdentityPoolConfigurationException`, as AWS does, when the pool has no such role.
   */
  issue(identity: Identity): IssuedCredentials {
    const kind = identity.login ? "authenticated" : "unauthenticated";
    const roleArn = this.roles.get(identity.identityPoolId)?.Roles[kind];
    if (!roleArn) throw new AwsError(400, "InvalidIdentityPoolConfigurationException", NO_ROLE);
    const amr = identity.login
      ? ["authenticated", identity.login.provider, `${identity.login.provider}:CognitoSignIn:${identity.login.sub}`]
      : ["unauthenticated"];
    const credentials: IssuedCredentials = {
      ...temporaryKeys((accessKeyId) => this.issued.has(accessKeyId)),
      // Whole seconds, as the response carries it: the API server then checks the same instant the client was told.
      expiration: new Date(Math.floor((this.now() + CREDENTIALS_LIFETIME_MS) / 1000) * 1000),
      identityId: identity.identityId,
      identityPoolId: identity.identityPoolId,
      roleArn,
      amr,
    };
    this.issued.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /**
   * The credentials with this access key id, also once expired (the caller compares `expiration` with its clock,
   * so that it can answer "expired" rather than "unknown"); `undefined` for a key this cloud never minted.
   */
  credentials(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }
  save(): SavedIdentities {
    return { identities: [...this.identities.values()], issued: [...this.issued.values()] };
  }

  restore(saved: SavedIdentities): void {
    this.identities.clear();
    this.byLogin.clear();
    this.issued.clear();
    for (const identity of saved.identities) {
      this.identities.set(identity.identityId, identity);
      if (identity.login) this.byLogin.set(loginKey(identity.identityPoolId, identity.login), identity.identityId);
    }
    for (const credentials of saved.issued) this.issued.set(credentials.accessKeyId, credentials);
  }

}

/** The handlers for `GetId` and `GetCredentialsForIdentity`, keyed by `X-Amz-Target`, backed by `store`. */
export function identityHandlers(store: IdentityStore): Record<string, Handler> {
  // One key cache per moto: the handlers learn their moto from the first request.
  const keyCaches = new WeakMap<MotoClient, UserPoolKeys>();
  const keysOf = (moto: MotoClient) => {
    let keys = keyCaches.get(moto);
    if (!keys) keyCaches.set(moto, (keys = new UserPoolKeys(moto)));
    return keys;
  };

  /**
   * The one login of a request, verified against the pool and checked against the user pool (the user must exist
   * and be enabled, in the account of `motoAccessKeyId`); `undefined` when the request has none.
   */
  async function loginOf(
    input: Record<string, unknown>,
    pool: DescribeIdentityPoolCommandOutput,
    context: HandlerContext,
    motoAccessKeyId: string,
  ): Promise<VerifiedLogin | undefined> {
    const logins = loginsOf(input.Logins);
    const entries = Object.entries(logins);
    if (entries.length === 0) return undefined;
    if (entries.length > 1) {
      throw invalid(`the local cloud supports one login per request (linked logins are not implemented), got ${entries.length}`);
    }
    const [provider, token] = entries[0];
    const clientIds = (pool.CognitoIdentityProviders ?? []).filter((p) => p.ProviderName === provider && p.ClientId).map((p) => p.ClientId!);
    const userPool = USER_POOL_PROVIDER.exec(provider);
    // Only user pools are verified locally; a pool's other providers (Google, OIDC, SAML) would need the real IdP.
    if (clientIds.length === 0 || !userPool) throw new AwsError(400, "NotAuthorizedException", UNSUPPORTED_PROVIDER);
    const issuer = `https://${provider}`;
    const claims = await verifyIdToken(token, { issuer, userPoolId: userPool[2], clientIds, now: store.now() }, keysOf(context.moto));
    const username = typeof claims["cognito:username"] === "string" ? claims["cognito:username"] : claims.sub;
    const user = await findUser(context.moto, motoAccessKeyId, userPool[2], username).catch((error: Error) => {
      // The user pool itself is gone: its tokens name nobody.
      if (error instanceof AwsError && error.type === "ResourceNotFoundException") return undefined;
      throw error;
    });
    // A deleted user's token, or one minted with moto's key for a user that never was, earns nothing.
    if (!user || user.sub !== claims.sub || !user.enabled) throw new AwsError(400, "NotAuthorizedException", NO_SUCH_USER);
    return { provider, issuer, sub: claims.sub };
  }

  /**
   * Checks that a request may act for `identity`, as AWS does for GetCredentialsForIdentity and GetOpenIdToken: a
   * user's identity needs that user's valid token every time (the id alone is no secret), a guest identity none, in a
   * pool that still admits guests.
   */
  async function checkLoginsFor(identity: Identity, input: Record<string, unknown>, context: HandlerContext): Promise<void> {
    const pool = await describePool(context.moto, identity.identityPoolId, poolScope(identity.identityPoolId, identity.motoAccessKeyId));
    const login = await loginOf(input, pool, context, identity.motoAccessKeyId);
    if (identity.login) {
      if (!login || login.provider !== identity.login.provider || login.sub !== identity.login.sub) {
        throw new AwsError(400, "NotAuthorizedException", LOGINS_DO_NOT_MATCH);
      }
    } else {
      if (login) throw invalid("the local cloud does not link a login to a guest identity: call GetId with the Logins instead");
      if (!pool.AllowUnauthenticatedIdentities) throw new AwsError(400, "NotAuthorizedException", GUESTS_OFF);
    }
  }

  /** The identity a request names in `IdentityId`; `ResourceNotFoundException` for one this cloud never issued. */
  function identityOf(input: Record<string, unknown>): Identity {
    const identityId = regionGuidOf(input, "IdentityId");
    const identity = store.identity(identityId);
    if (!identity) throw new AwsError(400, "ResourceNotFoundException", `Identity '${identityId}' not found.`);
    return identity;
  }

  return {
    [`${SERVICE}.GetId`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const identityPoolId = regionGuidOf(input, "IdentityPoolId");
      const accountId = input.AccountId;
      if (accountId !== undefined && (typeof accountId !== "string" || !/^\d{1,15}$/.test(accountId))) {
        throw invalid(`AccountId must be an AWS account id (digits), got ${describe(accountId)}`);
      }
      // moto takes a 12-digit access key as the account id; otherwise the caller's key picks the account.
      const motoAccessKeyId = accountId !== undefined && /^\d{12}$/.test(accountId) ? accountId : request.accessKeyId;
      const pool = await describePool(context.moto, identityPoolId, poolScope(identityPoolId, motoAccessKeyId));
      const login = await loginOf(input, pool, context, motoAccessKeyId);
      if (!login && !pool.AllowUnauthenticatedIdentities) throw new AwsError(400, "NotAuthorizedException", GUESTS_OFF);
      return jsonResponse({ IdentityId: store.identityFor(identityPoolId, login, motoAccessKeyId).identityId });
    },

    [`${SERVICE}.GetCredentialsForIdentity`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const identity = identityOf(input);
      if (input.CustomRoleArn !== undefined) throw invalid("CustomRoleArn is not supported by the local cloud (role mappings are not implemented)");
      await checkLoginsFor(identity, input, context);
      const credentials = store.issue(identity);
      return jsonResponse({
        IdentityId: identity.identityId,
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          // AWS JSON 1.1 timestamps are epoch seconds.
          Expiration: Math.floor(credentials.expiration.getTime() / 1000),
        },
      });
    },

    // moto's token is a random string, not a signed OpenID token; what matters here is who may get one.
    [`${SERVICE}.GetOpenIdToken`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      await checkLoginsFor(identityOf(input), input, context);
      return context.forward();
    },
  };
}


/** A `REGION:GUID` parameter, checked against the pattern AWS documents. */
function regionGuidOf(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (value === undefined) throw invalid(`${name} is required`);
  if (typeof value !== "string" || value.length > REGION_GUID_MAX_LENGTH || !REGION_GUID.test(value)) {
    throw invalid(`${name} must be REGION:GUID (at most ${REGION_GUID_MAX_LENGTH} characters), got ${describe(value)}`);
  }
  return value;
}

/** `Logins` of a request: at most 10 provider names mapped to non-empty tokens; absent means none. */
function loginsOf(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isJsonObject(value)) throw invalid(`Logins must be an object of provider names to tokens, got ${describe(value)}`);
  const entries = Object.entries(value);
  if (entries.length > 10) throw invalid(`Logins has ${entries.length} entries, at most 10 are allowed`);
  for (const [provider, token] of entries) {
    if (provider.length < 1 || provider.length > 128) throw invalid(`Logins key must be 1 to 128 characters, got ${provider.length}`);
    if (typeof token !== "string" || token.length < 1 || token.length > 50_000) throw invalid(`Logins["${provider}"] must be a token of 1 to 50000 characters`);
  }
  return value as Record<string, string>;
}

/** The error AWS sends for a well-formed request with a bad parameter. */
function invalid(message: string): AwsError {
  return new AwsError(400, "InvalidParameterException", message);
}

/** The pool's own region: GetId is a public API, often called unsigned, so the request may name none. */
function poolScope(identityPoolId: string, accessKeyId: string): { accessKeyId: string; region: string } {
  return { accessKeyId, region: identityPoolId.split(":")[0] };
}
