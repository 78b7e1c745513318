import { errorResponse, AwsError, jsonResponse } from "../../../../../../tools/local-cloud/protocol/aws-json";
import { errorOf, stringParameter, tokenClaims, userPoolOfClaims } from "../../../../../../tools/local-cloud/services/cognito-idp/user-pool-requests";

const jwt = (claims: unknown) => `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

test("tokenClaims reads a JWT's claims unverified; a refresh token (moto's UUID) or a malformed token has none", () => {
  expect(tokenClaims(jwt({ sub: "s", iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC" }))).toEqual({ sub: "s", iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC" });
  expect(tokenClaims("6f6b5ea1-e151-47eb-bc3a-77e010c482c6")).toBeUndefined();
  expect(tokenClaims("abc.def.ghi")).toBeUndefined();
  expect(tokenClaims(jwt([1, 2]))).toBeUndefined();
});

test("userPoolOfClaims is the last segment of the issuer", () => {
  expect(userPoolOfClaims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC" })).toBe("us-east-1_AbC");
  expect(userPoolOfClaims({})).toBeUndefined();
  expect(userPoolOfClaims(undefined)).toBeUndefined();
});

test("errorOf reads an error answer's type without its namespace, and nothing of a success", () => {
  expect(errorOf(errorResponse(new AwsError(400, "NotAuthorizedException", "Invalid token")))).toEqual({ type: "NotAuthorizedException", message: "Invalid token" });
  expect(errorOf(jsonResponse({ __type: "com.amazonaws#NotAuthorizedException", message: "m" }, 400))).toEqual({ type: "NotAuthorizedException", message: "m" });
  expect(errorOf(jsonResponse({}))).toBeUndefined();
  expect(errorOf({ status: 500, headers: {}, body: Buffer.from("<!doctype html>") })).toEqual({});
});

test("stringParameter refuses a missing or empty parameter with InvalidParameterException naming it", () => {
  expect(stringParameter({ Token: "t" }, "Token")).toBe("t");
  expect(() => stringParameter({ Token: "" }, "Token")).toThrow('Token is required and must be a non-empty string, got string ""');
  expect(() => stringParameter({ SRP_A: 5 }, "SRP_A", "AuthParameters.SRP_A")).toThrow(
    expect.objectContaining({ type: "InvalidParameterException", message: "AuthParameters.SRP_A is required and must be a non-empty string, got number 5" }),
  );
});
