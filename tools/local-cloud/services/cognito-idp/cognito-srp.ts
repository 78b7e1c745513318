import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The server side of Cognito's Secure Remote Password sign-in (SRP-6a, `USER_SRP_AUTH`), byte for byte as
 * amazon-cognito-identity-js's `AuthenticationHelper` and `CognitoUser.authenticateUserDefaultAuth` compute the
 * client side: the 3072-bit group of RFC 5054 with g = 2, SHA-256, big numbers hashed as their "padded hex"
 * (two's-complement big-endian, a leading `00` when the top bit is set), and the password claim an HMAC keyed by
 * the first 16 bytes of HKDF("Caldera Derived Key"). Pure functions: no state, no I/O.
 */

/** The 3072-bit safe prime of RFC 5054 (appendix A), as Cognito and its client libraries use it. */
export const SRP_N = BigInt(
  "0x" +
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/** The generator of the group. */
export const SRP_G = 2n;

/** The HKDF info of the password authentication key. */
const DERIVED_KEY_INFO = Buffer.from("Caldera Derived Key", "utf8");

/** The number of bytes of the server's private value b (the client library draws 128 for its a). */
const PRIVATE_VALUE_BYTES = 128;

/** `ddd MMM D HH:mm:ss UTC YYYY`, the `TIMESTAMP` the client signs (day of month without a leading zero). */
const SRP_TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC \d{4}$/;

/** The multiplier k = H(N | g), as the client computes it. */
const SRP_K = BigInt("0x" + hexHash(padHex(SRP_N) + padHex(SRP_G)));

/**
 * A non-negative number as the client library hashes it: even-length hex, with `00` in front when the most
 * significant bit is set (so that it reads as positive).
 */
export function padHex(value: bigint): string {
  if (value < 0n) throw new Error(`padHex takes a non-negative number, got ${value}`);
  let hex = value.toString(16);
  if (hex.length % 2 !== 0) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

/** SHA-256 of bytes or UTF-8 text, as 64 lower-case hex digits. */
function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of the bytes a hex string spells. */
function hexHash(hex: string): string {
  return sha256Hex(Buffer.from(hex, "hex"));
}

/** base^exponent mod modulus, by square and multiply. */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let square = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
  }
  return result;
}

/** The pool name of the SRP formulas: the part of a user pool id after `_` (`us-east-1_AbC123` → `AbC123`). */
export function srpPoolName(userPoolId: string): string {
  const separator = userPoolId.indexOf("_");
  if (separator < 1 || separator === userPoolId.length - 1) {
    throw new Error(`invalid user pool id "${userPoolId}": expected <region>_<id>, for example us-east-1_AbC123`);
  }
  return userPoolId.slice(separator + 1);
}

/** What the server keeps for a user instead of the password: a random salt and v = g^x mod N, both in hex. */
export interface PasswordVerifier {
  /** Hex, sent to the client as `SALT`. */
  readonly salt: string;
  /** Hex. */
  readonly verifier: string;
}

/** The private exponent x = H(salt | H(poolName + userIdForSrp + ":" + password)). */
function privateKeyOf(poolName: string, userIdForSrp: string, password: string, salt: string): bigint {
  const credentialsHash = sha256Hex(`${poolName}${userIdForSrp}:${password}`);
  return BigInt("0x" + hexHash(padHex(BigInt("0x" + salt)) + credentialsHash));
}

/**
 * The verifier of a password, for the user the client will sign in as: `userIdForSrp` must be the
 * `USER_ID_FOR_SRP` the server later sends (the user's username, not an alias), since the client hashes that.
 */
export function passwordVerifier(poolName: string, userIdForSrp: string, password: string, salt: Buffer = randomBytes(16)): PasswordVerifier {
  const saltHex = padHex(BigInt("0x" + salt.toString("hex")));
  return { salt: saltHex, verifier: padHex(modPow(SRP_G, privateKeyOf(poolName, userIdForSrp, password, saltHex), SRP_N)) };
}

/** The server's half of one sign-in: the private b (kept) and B = k*v + g^b mod N (sent as `SRP_B`, hex). */
export interface ServerValues {
  readonly privateB: bigint;
  readonly publicB: string;
}

/** Draws b and computes B for a verifier. */
export function serverValues(verifier: PasswordVerifier): ServerValues {
  const v = BigInt("0x" + verifier.verifier);
  // Redraw in the (astronomically unlikely) case B mod N = 0, which the client refuses.
  for (;;) {
    const privateB = BigInt("0x" + randomBytes(PRIVATE_VALUE_BYTES).toString("hex"));
    const publicB = (SRP_K * v + modPow(SRP_G, privateB, SRP_N)) % SRP_N;
    if (publicB !== 0n) return { privateB, publicB: publicB.toString(16) };
  }
}

/** Whether `hex` is a usable client value A: hex digits, and A mod N ≠ 0 (the check SRP-6a requires of a server). */
export function isValidClientValue(hex: string): boolean {
  return /^[0-9a-fA-F]{1,2048}$/.test(hex) && BigInt("0x" + hex) % SRP_N !== 0n;
}

/** Whether a `TIMESTAMP` has the client library's format. */
export function isSrpTimestamp(timestamp: string): boolean {
  return SRP_TIMESTAMP.test(timestamp);
}

/** Everything the server needs to check one password claim. */
export interface PasswordClaim {
  readonly poolName: string;
  /** The `USER_ID_FOR_SRP` the challenge named. */
  readonly userIdForSrp: string;
  readonly verifier: PasswordVerifier;
  /** The client's `SRP_A`, hex. */
  readonly clientValue: string;
  readonly server: ServerValues;
  /** `SECRET_BLOCK` as sent, base64: its bytes are signed. */
  readonly secretBlock: string;
  /** `TIMESTAMP` as the client sent it. */
  readonly timestamp: string;
}

/**
 * The signature the client must send as `PASSWORD_CLAIM_SIGNATURE`: HMAC-SHA256, keyed by the password
 * authentication key, of poolName | userIdForSrp | secret block bytes | timestamp.
 */
export function expectedPasswordClaimSignature(claim: PasswordClaim): Buffer {
  const A = BigInt("0x" + claim.clientValue);
  const B = BigInt("0x" + claim.server.publicB);
  const v = BigInt("0x" + claim.verifier.verifier);
  const u = BigInt("0x" + hexHash(padHex(A) + padHex(B)));
  // S = (A * v^u)^b mod N: the same number the client reaches as (B - k*g^x)^(a + u*x).
  const S = modPow((A * modPow(v, u, SRP_N)) % SRP_N, claim.server.privateB, SRP_N);
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(padHex(S), "hex"), Buffer.from(padHex(u), "hex"), DERIVED_KEY_INFO, 16));
  return createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(claim.poolName, "utf8"), Buffer.from(claim.userIdForSrp, "utf8"), Buffer.from(claim.secretBlock, "base64"), Buffer.from(claim.timestamp, "utf8")]))
    .digest();
}

/** Whether `signature` (base64, as sent) proves the password behind the verifier; compared in constant time. */
export function verifyPasswordClaim(claim: PasswordClaim, signature: string): boolean {
  const expected = expectedPasswordClaimSignature(claim);
  const received = Buffer.from(signature, "base64");
  return received.length === expected.length && timingSafeEqual(received, expected);
}
