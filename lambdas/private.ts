import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { log } from "./log";

/**
 * `GET /private` (AWS_IAM): greets the caller by Cognito identity id, or by IAM caller ARN when the
 * request was signed with credentials that did not come from an identity pool. An event without an IAM caller
 * (a misrouted or malformed request) gets API Gateway's own 403 answer, never an exception.
 */
export async function handler(event: APIGatewayProxyEventV2WithIAMAuthorizer, context?: Context): Promise<APIGatewayProxyStructuredResultV2> {
  const caller = callerName(event);
  if (caller === undefined) {
    log("warn", "refused a request without an IAM caller", context, event);
    return {
      statusCode: 403,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "Forbidden" }),
    };
  }
  log("info", "greeted a caller", context, event, { caller });
  return { statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: `Hello ${caller}!` };
}

/** The identity id of a Cognito caller, else the caller's ARN; `undefined` when the event carries no IAM caller. */
function callerName(event: APIGatewayProxyEventV2WithIAMAuthorizer): string | undefined {
  // API Gateway sends cognitoIdentity as null for plain IAM callers, and @types/aws-lambda types it loosely.
  const iam = event?.requestContext?.authorizer?.iam as
    | { cognitoIdentity?: { identityId?: unknown } | null; userArn?: unknown }
    | undefined;
  const identityId = iam?.cognitoIdentity?.identityId;
  if (typeof identityId === "string" && identityId !== "") return identityId;
  return typeof iam?.userArn === "string" && iam.userArn !== "" ? iam.userArn : undefined;
}
