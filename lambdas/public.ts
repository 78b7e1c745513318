import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { log } from "./log";

/** `GET /public`: greets anyone, signed in or not. */
export async function handler(event?: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> {
  log("info", "greeted a stranger", context, event);
  return {
    statusCode: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: "Hello stranger!",
  };
}
