import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AuthenticationDetails, CognitoUser, CognitoUserPool, CognitoUserSession } from "amazon-cognito-identity-js";

/** Sign-in as apps do it, with amazon-cognito-identity-js (always USER_SRP_AUTH), and tokens forged the way anyone could. */

/** How a sign-in ended: a session, a challenge the library handed back, or the error it failed with. */
export type SignInOutcome =
  | { readonly kind: "session"; readonly session: CognitoUserSession; readonly user: CognitoUser }
  | { readonly kind: "newPasswordRequired"; readonly user: CognitoUser }
  | { readonly kind: "error"; readonly error: Error & { code?: string } };

/** Signs in with the library against `endpoint`; never rejects, so tests can assert on every outcome. */
export function signIn(endpoint: string, userPoolId: string, clientId: string, username: string, password: string): Promise<SignInOutcome> {
  const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ kind: "session", session, user }),
      onFailure: (error: Error) => resolve({ kind: "error", error }),
      newPasswordRequired: () => resolve({ kind: "newPasswordRequired", user }),
    }),
  );
}

/** Answers NEW_PASSWORD_REQUIRED with `password`, as an app's "choose a password" screen does. */
export function completeNewPassword(user: CognitoUser, password: string): Promise<SignInOutcome> {
  return new Promise((resolve) =>
    user.completeNewPasswordChallenge(password, {}, {
      onSuccess: (session) => resolve({ kind: "session", session, user }),
      onFailure: (error: Error) => resolve({ kind: "error", error }),
    }),
  );
}

/** The ID token of a successful sign-in; fails the test with the outcome otherwise. */
export function idTokenOf(outcome: SignInOutcome): string {
  if (outcome.kind !== "session") throw new Error(`expected a session, got ${outcome.kind}: ${outcome.kind === "error" ? outcome.error.message : ""}`);
  return outcome.session.getIdToken().getJwtToken();
}

/** The key moto signs every user pool's tokens with: it ships inside the moto package (n, e and d; no primes). */
function motoSigningKey(): { n: bigint; d: bigint; bytes: number } {
  const located = spawnSync("python3", ["-c", "import moto.cognitoidp, os; print(os.path.dirname(moto.cognitoidp.__file__))"], { encoding: "utf8" });
  if (located.status !== 0) throw new Error(`could not locate moto's package with python3: ${located.stderr}`);
  const jwk = JSON.parse(gunzipSync(readFileSync(join(located.stdout.trim(), "resources", "jwks-private.json.gz"))).toString("utf8")) as { n: string; d: string };
  const number = (base64url: string) => BigInt("0x" + Buffer.from(base64url, "base64url").toString("hex"));
  return { n: number(jwk.n), d: number(jwk.d), bytes: Buffer.from(jwk.n, "base64url").length };
}

/** RSASSA-PKCS1-v1_5 with SHA-256 (RS256) by hand: node:crypto imports an RSA private key only with its primes. */
function rs256(message: Buffer, key: { n: bigint; d: bigint; bytes: number }): Buffer {
  const digestInfo = Buffer.concat([Buffer.from("3031300d060960864801650304020105000420", "hex"), createHash("sha256").update(message).digest()]);
  const encoded = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(key.bytes - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
  let result = 1n;
  let square = BigInt("0x" + encoded.toString("hex")) % key.n;
  for (let exponent = key.d; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * square) % key.n;
    square = (square * square) % key.n;
  }
  return Buffer.from(result.toString(16).padStart(key.bytes * 2, "0"), "hex");
}

/** An ID token, signed with moto's published key, with these claims: what an attacker can mint for anyone. */
export function forgedIdToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode({ kid: "dummy", alg: "RS256" })}.${encode(claims)}`;
  return `${signingInput}.${rs256(Buffer.from(signingInput), motoSigningKey()).toString("base64url")}`;
}
