import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../account";
import { MotoClient } from "./client";

/**
 * moto builds each service's request router and backend on that service's first request: 0.2 to 1.2 s each here
 * (API Gateway the slowest), paid in the middle of the first deploy, one service after another (one Python process).
 * Right after moto starts, one cheap read per service the stacks use pays it while the tools are still synthesizing
 * and starting Terraform. The reads change nothing, and a failed one is only a read not warmed.
 */

/** A read per service, as moto routes it: by the SigV4 scope's service name, then by path or `X-Amz-Target`. */
const READS: readonly { readonly service: string; readonly method: string; readonly path: string; readonly target?: string; readonly body?: string }[] = [
  { service: "apigateway", method: "GET", path: "/v2/apis" },
  { service: "lambda", method: "GET", path: "/2015-03-31/functions/" },
  { service: "cognito-idp", method: "POST", path: "/", target: "AWSCognitoIdentityProviderService.ListUserPools", body: '{"MaxResults":1}' },
  { service: "cognito-identity", method: "POST", path: "/", target: "AWSCognitoIdentityService.ListIdentityPools", body: '{"MaxResults":1}' },
  { service: "logs", method: "POST", path: "/", target: "Logs_20140328.DescribeLogGroups", body: "{}" },
  { service: "iam", method: "POST", path: "/", body: "Action=ListRoles&Version=2010-05-08" },
  { service: "sts", method: "POST", path: "/", body: "Action=GetCallerIdentity&Version=2011-06-15" },
];

/**
 * Sends the reads to `moto` one after another; resolves, when all have been answered or failed, with each service's
 * HTTP status or error message.
 */
export async function warmUpMoto(moto: MotoClient): Promise<Record<string, number | string>> {
  const answers: Record<string, number | string> = {};
  for (const read of READS) answers[read.service] = await send(moto, read).catch((error: Error) => error.message);
  return answers;
}

async function send(moto: MotoClient, read: (typeof READS)[number]): Promise<number> {
  // moto checks no signature; the scope names the service and the access key the account.
  const authorization = `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20260101/${LOCAL_REGION}/${read.service}/aws4_request, SignedHeaders=host, Signature=0`;
  const headers = {
    authorization,
    ...(read.target && { "x-amz-target": read.target, "content-type": "application/x-amz-json-1.1" }),
    ...(read.body && !read.target && { "content-type": "application/x-www-form-urlencoded" }),
  };
  return (await moto.request({ method: read.method, path: read.path, headers, body: read.body })).status;
}
