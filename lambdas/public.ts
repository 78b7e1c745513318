import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** `GET /public`: greets anyone, signed in or not. */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  return {
    statusCode: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: "Hello stranger!",
  };
}
