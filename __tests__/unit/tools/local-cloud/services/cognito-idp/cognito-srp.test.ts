import {
  isSrpTimestamp,
  isValidClientValue,
  padHex,
  passwordVerifier,
  serverValues,
  SRP_N,
  srpPoolName,
  verifyPasswordClaim,
} from "../../../../../../tools/local-cloud/services/cognito-idp/cognito-srp";
import { librarySrpClient, libraryTimestamp } from "../../../../../support/cognito-sign-in";

const POOL_NAME = srpPoolName("us-east-1_AbC123xyz");
const USER = "5f0c2d2e-8a51-4bd5-9a8e-2b3c4d5e6f70";
const PASSWORD = "Corr3ct-horse-battery!";

/** What the library sends in RespondToAuthChallenge for a challenge, signed with `password`: its A and signature. */
async function librarySignature(challenge: { salt: string; publicB: string; secretBlock: string; timestamp: string }, password: string) {
  const client = await librarySrpClient(POOL_NAME);
  const signature = await client.sign({ SALT: challenge.salt, SRP_B: challenge.publicB, SECRET_BLOCK: challenge.secretBlock, USER_ID_FOR_SRP: USER }, password, challenge.timestamp);
  return { clientValue: client.srpA, signature };
}

/** One full exchange: the server's values for `storedPassword`, the library's claim for `typedPassword`. */
async function exchange(storedPassword: string, typedPassword: string): Promise<boolean> {
  const verifier = passwordVerifier(POOL_NAME, USER, storedPassword);
  const server = serverValues(verifier);
  const secretBlock = Buffer.from("opaque secret block of the server").toString("base64");
  const timestamp = libraryTimestamp();
  const { clientValue, signature } = await librarySignature({ salt: verifier.salt, publicB: server.publicB, secretBlock, timestamp }, typedPassword);
  return verifyPasswordClaim({ poolName: POOL_NAME, userIdForSrp: USER, verifier, clientValue, server, secretBlock, timestamp }, signature);
}

test("the library's AuthenticationHelper, signing with the right password, produces the signature the server expects", async () => {
  for (let i = 0; i < 3; i++) expect(await exchange(PASSWORD, PASSWORD)).toBe(true);
});

test("a wrong password, or one differing only in case, does not verify", async () => {
  expect(await exchange(PASSWORD, "Corr3ct-horse-battery?")).toBe(false);
  expect(await exchange(PASSWORD, PASSWORD.toUpperCase())).toBe(false);
});

test("a signature for another user, timestamp or secret block does not verify", async () => {
  const verifier = passwordVerifier(POOL_NAME, USER, PASSWORD);
  const server = serverValues(verifier);
  const secretBlock = Buffer.from("block").toString("base64");
  const timestamp = "Tue Dec 1 23:41:04 UTC 2026";
  const { clientValue, signature } = await librarySignature({ salt: verifier.salt, publicB: server.publicB, secretBlock, timestamp }, PASSWORD);
  const claim = { poolName: POOL_NAME, userIdForSrp: USER, verifier, clientValue, server, secretBlock, timestamp };
  expect(verifyPasswordClaim(claim, signature)).toBe(true);
  expect(verifyPasswordClaim({ ...claim, userIdForSrp: "someone-else" }, signature)).toBe(false);
  expect(verifyPasswordClaim({ ...claim, timestamp: "Tue Dec 1 23:41:05 UTC 2026" }, signature)).toBe(false);
  expect(verifyPasswordClaim({ ...claim, secretBlock: Buffer.from("other").toString("base64") }, signature)).toBe(false);
  expect(verifyPasswordClaim(claim, "")).toBe(false);
  expect(verifyPasswordClaim(claim, "bm90IGEgc2lnbmF0dXJl")).toBe(false);
});

test("a verifier keeps neither the password nor its hash, and two verifiers of one password differ (random salt)", () => {
  const a = passwordVerifier(POOL_NAME, USER, PASSWORD);
  const b = passwordVerifier(POOL_NAME, USER, PASSWORD);
  expect(a.salt).not.toBe(b.salt);
  expect(a.verifier).not.toBe(b.verifier);
  expect(JSON.stringify(a)).not.toContain(PASSWORD);
});

test("padHex writes numbers as the library hashes them", () => {
  expect(padHex(0x7fn)).toBe("7f");
  expect(padHex(0x80n)).toBe("0080");
  expect(padHex(0xabcn)).toBe("0abc");
  expect(padHex(SRP_N).slice(0, 4)).toBe("00ff");
});

test("client values and timestamps are checked", () => {
  expect(isValidClientValue("abc123")).toBe(true);
  expect(isValidClientValue(SRP_N.toString(16))).toBe(false); // A mod N = 0
  expect(isValidClientValue("0")).toBe(false);
  expect(isValidClientValue("xyz")).toBe(false);
  expect(isSrpTimestamp(libraryTimestamp())).toBe(true);
  expect(isSrpTimestamp("Tue Dec 01 23:41:04 UTC 2026")).toBe(false);
  expect(isSrpTimestamp("2026-12-01T23:41:04Z")).toBe(false);
});

test("the pool name is the part of the pool id after the underscore; anything else is refused with the value", () => {
  expect(srpPoolName("eu-west-1_Xy9")).toBe("Xy9");
  expect(() => srpPoolName("nounderscore")).toThrow(/invalid user pool id "nounderscore"/);
});
