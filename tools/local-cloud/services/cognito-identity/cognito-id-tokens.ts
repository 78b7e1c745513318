import { createPublicKey, JsonWebKey, KeyObject, verify } from "node:crypto";
import { AwsError, isJsonObject } from "../../protocol/aws-json";
import { MotoClient } from "../../moto/client";

/**
 * Verification of Cognito user pool ID tokens, as the identity pool does it before it hands out an identity:
 * RS256 signature against the pool's published keys (node:crypto only), then issuer, token use, audience and expiry.
 *
 * moto 5.2 signs every pool's tokens with one key (`kid` "dummy") and serves that key set for any path
 * `/<anything>/.well-known/jwks.json`, even for pools it does not have. The signature alone therefore does not
 * tell pools apart: the issuer check (against the `Logins` key) and the provider list of the identity pool do.
 */

/** How long a JWKS request to moto may take. */
const JWKS_TIMEOUT_MS = 5_000;

/** The claims of a verified ID token that the identity pool uses; the rest are kept as received. */
export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly token_use: string;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly [claim: string]: unknown;
}

/** What an ID token must match. */
export interface ExpectedIdToken {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the `Logins` key with the scheme in front. */
  readonly issuer: string;
  /** The user pool whose keys sign the token. */
  readonly userPoolId: string;
  /** The app client ids the identity pool trusts for this user pool; `aud` must be one of them. */
  readonly clientIds: readonly string[];
  /** The current time, in milliseconds since the epoch. */
  readonly now: number;
}

/** The signing keys of user pools, fetched from moto's JWKS endpoint once per pool and kept by `kid`. */
export class UserPoolKeys {
  private readonly pools = new Map<string, Promise<Map<string, KeyObject>>>();

  constructor(private readonly moto: MotoClient) {}

  /** The key `kid` of a pool; `undefined` when the pool publishes no such key (after one refetch). */
  async key(userPoolId: string, kid: string): Promise<KeyObject | undefined> {
    const cached = await this.keysOf(userPoolId);
    if (cached.has(kid)) return cached.get(kid);
    // A kid we have not seen may be a rotated key: fetch once more before giving up.
    this.pools.delete(userPoolId);
    return (await this.keysOf(userPoolId)).get(kid);
  }

  private keysOf(userPoolId: string): Promise<Map<string, KeyObject>> {
    let keys = this.pools.get(userPoolId);
    if (!keys) {
      keys = fetchKeys(this.moto, `/${encodeURIComponent(userPoolId)}/.well-known/jwks.json`);
      // A failed fetch is not remembered: the next token tries again.
      keys.catch(() => this.pools.delete(userPoolId));
      this.pools.set(userPoolId, keys);
    }
    return keys;
  }
}

/** Fetches a JWKS from moto and imports its RSA signing keys, keyed by `kid`. */
async function fetchKeys(moto: MotoClient, path: string): Promise<Map<string, KeyObject>> {
  const response = await moto.request({ method: "GET", path, timeoutMs: JWKS_TIMEOUT_MS });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  const jwks = JSON.parse(response.body.toString("utf8")) as unknown;
  const keys = new Map<string, KeyObject>();
  const list = isJsonObject(jwks) && Array.isArray(jwks.keys) ? (jwks.keys as unknown[]) : [];
  for (const jwk of list) {
    if (!isJsonObject(jwk) || jwk.kty !== "RSA" || typeof jwk.kid !== "string") continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }));
  }
  return keys;
}

/**
 * Verifies an ID token and returns its claims; throws `NotAuthorizedException` with AWS's wording when it is
 * malformed, not from `expected.issuer`, badly signed, not an ID token, for another app client, or expired.
 */
export async function verifyIdToken(token: string, expected: ExpectedIdToken, keys: UserPoolKeys): Promise<IdTokenClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) throw notAuthorized("Invalid login token. Not a valid OpenId Connect identity token.");
  const [encodedHeader, encodedPayload, encodedSignature] = parts;
  const header = decodeJson(encodedHeader);
  const claims = decodeJson(encodedPayload);

  if (header.alg !== "RS256") throw notAuthorized(`Invalid login token. Unsupported signing algorithm: ${String(header.alg)}`);
  // The issuer first: it names the pool whose keys must have signed the token.
  if (claims.iss !== expected.issuer) throw notAuthorized("Invalid login token. Issuer doesn't match providerName");
  const key = typeof header.kid === "string" ? await keys.key(expected.userPoolId, header.kid) : undefined;
  const signature = Buffer.from(encodedSignature, "base64url");
  if (!key || !verify("RSA-SHA256", Buffer.from(`${encodedHeader}.${encodedPayload}`), key, signature)) {
    throw notAuthorized("Invalid login token. Couldn't verify signed token.");
  }

  for (const claim of ["sub", "aud", "token_use"]) {
    if (typeof claims[claim] !== "string" || claims[claim] === "") throw notAuthorized(`Invalid login token. Missing a required claim: ${claim}`);
  }
  if (typeof claims.exp !== "number") throw notAuthorized("Invalid login token. Missing a required claim: exp");
  // An access token has `client_id`, not `aud`, so it already failed above; a token_use check catches the rest.
  if (claims.token_use !== "id") throw notAuthorized(`Invalid login token. Expected an ID token, got token_use ${String(claims.token_use)}`);
  if (!expected.clientIds.includes(claims.aud as string)) throw notAuthorized("Token is not from a supported provider of this identity pool.");
  const nowSeconds = Math.floor(expected.now / 1000);
  if (claims.exp <= nowSeconds) throw notAuthorized(`Invalid login token. Token expired: ${nowSeconds} >= ${claims.exp}`);
  return claims as IdTokenClaims;
}

/** One base64url JSON object of a JWT. */
function decodeJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw notAuthorized("Invalid login token. Not a valid OpenId Connect identity token.");
  }
  if (!isJsonObject(value)) throw notAuthorized("Invalid login token. Not a valid OpenId Connect identity token.");
  return value;
}

function notAuthorized(message: string): AwsError {
  return new AwsError(400, "NotAuthorizedException", message);
}
