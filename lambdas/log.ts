import type { Context } from "aws-lambda";

/**
 * Writes one structured log line (a JSON object on stdout) with the Lambda request id and API Gateway's request id,
 * so a request can be followed from the access log to the function log.
 */
export function log(
  level: "info" | "warn",
  message: string,
  context: Pick<Context, "awsRequestId"> | undefined,
  event: { requestContext?: { requestId?: string } } | undefined,
  fields: Record<string, unknown> = {},
): void {
  const line = { level, message, requestId: context?.awsRequestId, apiRequestId: event?.requestContext?.requestId, ...fields };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
