/** The error a promise rejects with (fails the test if it resolves); AWS SDK errors carry their HTTP status. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail, but it succeeded");
    },
    (error: Error) => error,
  );
}

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}
