import { ApiGatewayV2Client, CreateIntegrationCommand } from "@aws-sdk/client-apigatewayv2";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { zipSync } from "fflate";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud";

/**
 * A handler deployed to a local cloud with the AWS SDK, as the tests of the local API need one: its role, the function
 * (nodejs22.x, one `index.js`), and an HTTP API's AWS_PROXY integration of it (payload 2.0).
 */

/** The trust policy of a Lambda execution role. */
export const TRUST_LAMBDA = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });

/** Creates the role `name` and the function `name` running `source` as `index.js` in the local cloud at `endpoint`; its ARN. */
export async function createFunction(endpoint: string, name: string, source: string): Promise<string> {
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, endpoint };
  const iam = new IAMClient(config);
  const lambda = new LambdaClient(config);
  try {
    const role = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_LAMBDA }))).Role!.Arn!;
    const code = { ZipFile: zipSync({ "index.js": Buffer.from(source) }) };
    return (await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: role, Handler: "index.handler", Code: code }))).FunctionArn!;
  } finally {
    iam.destroy();
    lambda.destroy();
  }
}

/** Adds to the HTTP API `apiId` an AWS_PROXY integration (payload 2.0) of the function `functionArn`; its id. */
export async function createProxyIntegration(apigw: ApiGatewayV2Client, apiId: string, functionArn: string): Promise<string> {
  const { IntegrationId } = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: "AWS_PROXY",
      IntegrationUri: `arn:aws:apigateway:${LOCAL_REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      IntegrationMethod: "POST",
      PayloadFormatVersion: "2.0",
    }),
  );
  return IntegrationId!;
}
