import { AwsError, AwsResponse, describe, isJsonObject } from "../../protocol/aws-json";

/**
 * What the cognito-idp handlers read from a request and from moto's answer: required parameters, the claims of a
 * user pool token, and the error type of an answer.
 */

/** A required string parameter; `InvalidParameterException` naming it when it is missing or empty. */
export function stringParameter(input: Record<string, unknown>, name: string, label = name): string {
  const value = input[name];
  if (typeof value !== "string" || value === "") throw invalid(`${label} is required and must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** Cognito's answer to a parameter it cannot take. */
export function invalid(message: string): AwsError {
  return new AwsError(400, "InvalidParameterException", message);
}

/** The type (`__type` without a namespace) and message of an error response; `undefined` for a success. */
export function errorOf(response: AwsResponse): { type?: string; message?: string } | undefined {
  if (response.status < 300) return undefined;
  try {
    const body = JSON.parse(response.body.toString("utf8")) as { __type?: unknown; message?: unknown };
    return { type: typeof body.__type === "string" ? body.__type.split("#").pop() : undefined, message: typeof body.message === "string" ? body.message : undefined };
  } catch {
    return {};
  }
}

/**
 * The claims of a JWT (an access or ID token), read without checking its signature; `undefined` for anything that
 * is not three dot-separated parts with a JSON object in the middle (a refresh token, which moto makes a UUID).
 */
export function tokenClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return isJsonObject(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** The user pool id in a token's issuer claim (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
export function userPoolOfClaims(claims: Record<string, unknown> | undefined): string | undefined {
  return typeof claims?.iss === "string" ? claims.iss.split("/").pop() : undefined;
}
