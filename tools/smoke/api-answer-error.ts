/**
 * An answer of the stage's API other than the one a smoke step expects. Its `name` is `HTTP <status>`, the key the
 * retry policy looks up (transient-errors.ts), and it says whether the request was SigV4-signed: a 403 means one
 * thing to an unsigned request and another, for a while after a deploy, to a signed one.
 */
export class ApiAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly signed: boolean,
    message: string,
  ) {
    super(message);
    this.name = `HTTP ${status}`;
  }
}
