import { createHash, createHmac } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { CognitoUser, CognitoUserSession } from "amazon-cognito-identity-js";
import { cognitoLibrary } from "./cognito-library";

const { AuthenticationDetails, CognitoUser: LibraryUser, CognitoUserPool } = cognitoLibrary;

/** Sign-in as apps do it, with amazon-cognito-identity-js (always USER_SRP_AUTH), and tokens forged the way anyone could. */

/** How a sign-in ended: a session, a challenge the library handed back, or the error it failed with. */
export type SignInOutcome =
  | { readonly kind: "session"; readonly session: CognitoUserSession; readonly user: CognitoUser }
  | { readonly kind: "newPasswordRequired"; readonly user: CognitoUser }
  | { readonly kind: "error"; readonly error: Error & { code?: string } };

/** Signs in with the library against `endpoint`; never rejects, so tests can assert on every outcome. */
export function signIn(endpoint: string, userPoolId: string, clientId: string, username: string, password: string): Promise<SignInOutcome> {
  const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
  const user = new LibraryUser({ Username: username, Pool: pool });
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

/** The library's SRP helper, as CognitoUser.authenticateUserDefaultAuth drives it (the package ships no types for it). */
interface LibraryBigInteger {
  toString(radix: number): string;
}
interface LibraryHelper {
  getLargeAValue(callback: (error: Error | null, value: LibraryBigInteger) => void): void;
  getPasswordAuthenticationKey(user: string, password: string, B: LibraryBigInteger, salt: LibraryBigInteger, callback: (error: Error | null, key: Buffer) => void): void;
}
const AuthenticationHelper = (require("amazon-cognito-identity-js/lib/AuthenticationHelper") as { default: new (poolName: string) => LibraryHelper }).default;
const BigInteger = (require("amazon-cognito-identity-js/lib/BigInteger") as { default: new (value: string, radix: number) => LibraryBigInteger }).default;
const DateHelper = (require("amazon-cognito-identity-js/lib/DateHelper") as { default: new () => { getNowString(): string } }).default;

/** The `TIMESTAMP` the library would send now. */
export function libraryTimestamp(): string {
  return new DateHelper().getNowString();
}

/** The PASSWORD_VERIFIER challenge parameters a client signs. */
export interface SrpChallenge {
  readonly SALT: string;
  readonly SRP_B: string;
  readonly SECRET_BLOCK: string;
  readonly USER_ID_FOR_SRP: string;
}

/**
 * The client side of one SRP sign-in, computed by amazon-cognito-identity-js's own AuthenticationHelper: its `SRP_A`,
 * and the `PASSWORD_CLAIM_SIGNATURE` for a challenge (the same bytes CognitoUser signs).
 */
export async function librarySrpClient(poolName: string): Promise<{ srpA: string; sign(challenge: SrpChallenge, password: string, timestamp: string): Promise<string> }> {
  const helper = new AuthenticationHelper(poolName);
  const A = await new Promise<LibraryBigInteger>((resolve, reject) => helper.getLargeAValue((error, value) => (error ? reject(error) : resolve(value))));
  return {
    srpA: A.toString(16),
    async sign(challenge, password, timestamp) {
      const key = await new Promise<Buffer>((resolve, reject) =>
        helper.getPasswordAuthenticationKey(challenge.USER_ID_FOR_SRP, password, new BigInteger(challenge.SRP_B, 16), new BigInteger(challenge.SALT, 16), (error, value) =>
          error ? reject(error) : resolve(value),
        ),
      );
      const message = Buffer.concat([Buffer.from(poolName), Buffer.from(challenge.USER_ID_FOR_SRP), Buffer.from(challenge.SECRET_BLOCK, "base64"), Buffer.from(timestamp)]);
      return createHmac("sha256", key).update(message).digest("base64");
    },
  };
}

/**
 * The key moto signs every user pool's tokens with: it ships inside the moto package (n, e and d; no primes). The
 * package is found by the Python that runs moto (`motoPid`'s own interpreter, as /proc tells it), which need not be
 * the `python3` on PATH: pipx, for one, gives moto a Python of its own.
 */
function motoSigningKey(motoPid: number): { n: bigint; d: bigint; bytes: number } {
  const [python] = readFileSync(`/proc/${motoPid}/cmdline`, "utf8").split("\0");
  const located = spawnSync(python, ["-c", "import moto.cognitoidp, os; print(os.path.dirname(moto.cognitoidp.__file__))"], { encoding: "utf8" });
  if (located.status !== 0) throw new Error(`could not locate moto's package with ${python}: ${located.stderr}`);
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

/** An ID token, signed with the published key of the moto at `motoPid`, with these claims: what an attacker can mint for anyone. */
export function forgedIdToken(claims: Record<string, unknown>, motoPid: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode({ kid: "dummy", alg: "RS256" })}.${encode(claims)}`;
  return `${signingInput}.${rs256(Buffer.from(signingInput), motoSigningKey(motoPid)).toString("base64url")}`;
}
