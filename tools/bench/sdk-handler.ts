import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * A team's first real handler, swapped in for `GET /private` by `npm run bench:dev` and the SDK end-to-end test (it is
 * in no stack): it stores the caller's greeting in S3 and answers with what it reads back. As on Lambda, nothing in
 * the code says where S3 is or whose credentials to use: the bucket comes from the function's environment
 * (`GREETINGS_BUCKET`, or `?bucket=` to try one the role may not use), and region, endpoint and credentials from what
 * the runtime sets.
 */

const s3 = new S3Client({});

export async function handler(event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<APIGatewayProxyStructuredResultV2> {
  const caller = (event.requestContext.authorizer.iam.cognitoIdentity as { identityId?: string } | null)?.identityId ?? "stranger";
  const Bucket = event.queryStringParameters?.bucket ?? process.env.GREETINGS_BUCKET;
  const Key = `greetings/${caller}.txt`;
  try {
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: `Hello ${caller}!` }));
    const stored = await s3.send(new GetObjectCommand({ Bucket, Key }));
    return { statusCode: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: await stored.Body!.transformToString() };
  } catch (error) {
    // What S3 refused, as the handler saw it: the error's name (AccessDenied) and message.
    const { name, message } = error as Error;
    return { statusCode: 502, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: name, message }) };
  }
}
