import { ApiGatewayV2Client } from "@aws-sdk/client-apigatewayv2";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud";

/** AWS SDK v3 clients of every service the stack uses, pointed at the local cloud at `endpoint` with its key pair. */
export function localClients(endpoint: string) {
  const config = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const clients = {
    idp: new CognitoIdentityProviderClient(config),
    identity: new CognitoIdentityClient(config),
    iam: new IAMClient(config),
    api: new ApiGatewayV2Client(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((client) => client.destroy()) };
}

/** What {@link localClients} returns. */
export type LocalClients = ReturnType<typeof localClients>;
