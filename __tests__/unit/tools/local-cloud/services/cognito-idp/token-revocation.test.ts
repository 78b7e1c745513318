import { TokenRevocationState, TokenRevocationStore } from "../../../../../../tools/local-cloud/services/cognito-idp/token-revocation";

const POOL = "us-east-1_AbC123xyz";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const REFRESH = "6f6b5ea1-e151-47eb-bc3a-77e010c482c6";
const ORIGIN = "1235a0e4-8840-4132-b378-f3058073c4d0";
/** 2026-12-07 20:00:00 UTC, in milliseconds. */
const NOW = Date.UTC(2026, 11, 7, 20, 0, 0);

/** The claims of an access token moto issues: issuer, sub, iat in seconds, origin_jti. */
const accessClaims = (overrides: Record<string, unknown> = {}) => ({ iss: ISSUER, sub: "sub-ana", token_use: "access", iat: NOW / 1000 - 60, origin_jti: ORIGIN, ...overrides });

test("a revoked refresh token is revoked, another is not; access tokens carrying its origin_jti are revoked with it", () => {
  const store = new TokenRevocationStore();
  store.revoke(REFRESH, ORIGIN);
  expect(store.isRevoked(REFRESH)).toBe(true);
  expect(store.isRevoked("another-refresh-token")).toBe(false);
  expect(store.isOriginRevoked(accessClaims())).toBe(true);
  expect(store.isOriginRevoked(accessClaims({ origin_jti: "another-origin" }))).toBe(false);
  expect(store.isOriginRevoked(accessClaims({ origin_jti: undefined }))).toBe(false);
});

test("a global sign-out covers the user's tokens issued up to its second, not later ones, other users or other pools", () => {
  const store = new TokenRevocationStore(() => NOW + 400);
  store.signedOut(POOL, "sub-ana");
  expect(store.issuedBeforeSignOut(accessClaims())).toBe(true);
  expect(store.issuedBeforeSignOut(accessClaims({ iat: NOW / 1000 }))).toBe(true);
  expect(store.issuedBeforeSignOut(accessClaims({ iat: NOW / 1000 + 1 }))).toBe(false);
  expect(store.issuedBeforeSignOut(accessClaims({ sub: "sub-ben" }))).toBe(false);
  expect(store.issuedBeforeSignOut(accessClaims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" }))).toBe(false);
  expect(store.issuedBeforeSignOut(accessClaims({ iat: "yesterday" }))).toBe(false);
});

test("save() is plain JSON without the tokens themselves, and restore() gives a store that answers the same", () => {
  const store = new TokenRevocationStore(() => NOW);
  store.revoke(REFRESH, ORIGIN);
  store.signedOut(POOL, "sub-ana");
  const state = JSON.parse(JSON.stringify(store.save())) as TokenRevocationState;
  expect(state).toEqual({ refreshTokens: [expect.stringMatching(/^[0-9a-f]{64}$/)], origins: [ORIGIN], signOuts: [{ userPoolId: POOL, sub: "sub-ana", at: NOW / 1000 }] });
  expect(JSON.stringify(state)).not.toContain(REFRESH);

  const restored = new TokenRevocationStore();
  restored.revoke("a-token-restore-replaces", "an-origin-restore-replaces");
  restored.restore(state);
  expect(restored.isRevoked(REFRESH)).toBe(true);
  expect(restored.isRevoked("a-token-restore-replaces")).toBe(false);
  expect(restored.isOriginRevoked(accessClaims())).toBe(true);
  expect(restored.issuedBeforeSignOut(accessClaims())).toBe(true);
  expect(restored.save()).toEqual(state);
});

test("restore() refuses a malformed state with one line naming the field, and keeps what it held", () => {
  const store = new TokenRevocationStore();
  store.revoke(REFRESH, ORIGIN);
  const restore = (state: unknown) => () => store.restore(state as TokenRevocationState);
  expect(restore(null)).toThrow("token revocation state must be an object with refreshTokens, origins and signOuts");
  expect(restore({ refreshTokens: [1], origins: [], signOuts: [] })).toThrow("token revocation state: refreshTokens must be an array of strings");
  expect(restore({ refreshTokens: [], origins: [], signOuts: [{ userPoolId: POOL, sub: "sub-ana" }] })).toThrow("token revocation state: signOuts must be an array of { userPoolId, sub, at }");
  expect(store.isRevoked(REFRESH)).toBe(true);
});
