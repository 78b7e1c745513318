import { randomBytes, randomInt } from "node:crypto";

/** Temporary key pairs in the shape STS mints them, for every kind of credentials the local cloud issues. */

const UPPER_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A fresh temporary key pair with its session token. */
export interface TemporaryKeys {
  /** `ASIA` and 16 upper-case letters and digits. */
  readonly accessKeyId: string;
  /** 40 random characters. */
  readonly secretAccessKey: string;
  /** 96 random bytes, base64. */
  readonly sessionToken: string;
}

/** Mints a temporary key pair whose access key id `taken` does not already know. */
export function temporaryKeys(taken: (accessKeyId: string) => boolean): TemporaryKeys {
  let accessKeyId: string;
  do accessKeyId = `ASIA${randomString(UPPER_ALPHANUMERIC, 16)}`;
  while (taken(accessKeyId));
  return { accessKeyId, secretAccessKey: randomString(SECRET_CHARACTERS, 40), sessionToken: randomBytes(96).toString("base64") };
}

/** `length` characters drawn uniformly from `alphabet` with a cryptographic generator. */
function randomString(alphabet: string, length: number): string {
  let result = "";
  for (let i = 0; i < length; i++) result += alphabet[randomInt(alphabet.length)];
  return result;
}
