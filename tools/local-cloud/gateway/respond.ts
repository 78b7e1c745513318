import { ServerResponse } from "node:http";
import { AwsError, AwsResponse, errorResponse } from "../protocol/aws-json";
import { ErrorProtocol } from "../protocol/aws-refusals";
import { BodyTooLarge, tooLargeResponse } from "./body-limits";

/** How the front writes its answers, whichever step of its pipeline gives them. */

/** Writes a complete response; cuts the connection instead when part of another response has gone out already. */
export function send(res: ServerResponse, response: AwsResponse): void {
  if (res.destroyed) return; // the client has gone away
  if (res.headersSent) {
    // Too late for a clean error: cutting the connection at least tells the client the response is incomplete.
    res.destroy();
    return;
  }
  res.writeHead(response.status, { ...response.headers, "content-length": response.body.length });
  res.end(response.body);
}

/** The answer to a request whose handling threw: the client's error as AWS words it (in `protocol`), anything else a 500. */
export function failureResponse(protocol: ErrorProtocol, error: Error): AwsResponse {
  if (error instanceof BodyTooLarge) return tooLargeResponse(protocol, error.limit);
  return errorResponse(error instanceof AwsError ? error : new AwsError(500, "InternalFailure", error.message));
}
