import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetIntegrationsCommand, GetRoutesCommand } from "@aws-sdk/client-apigatewayv2";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeIdentityPoolCommand, GetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { DescribeUserPoolClientCommand, DescribeUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { GetRoleCommand, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { connectRemoteCloud, RemoteCloud } from "../../../../tools/local-cloud";
import { LocalClients, localClients } from "../../../support/local-clients";
import { describeWhen, missing } from "../../../support/requires";
import { SharedDev, sharedDev } from "../../../support/shared";

const PREFIX = "api-auth-cognito-dev";
/** IAM names carry the region's code too (us-east-1). */
const ROLE_PREFIX = `${PREFIX}-use1`;

/**
 * What a deploy of the dev stage creates, read back with AWS SDK v3 clients: the run's shared `npm run dev` deployed it
 * with the real Terraform and AWS provider to the moto emulator behind our front. A deploy's own lifecycle (the lock,
 * kills, destroy) is local-deploy.test.ts's and ci-roles.test.ts's.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("the dev stage as deployed to the local cloud", () => {
  let dev: SharedDev;
  let clients: LocalClients;
  let remote: RemoteCloud;

  beforeAll(async () => {
    dev = await sharedDev();
    clients = localClients(dev.cloudEndpoint);
    remote = await connectRemoteCloud(dev.cloudEndpoint);
  }, 300_000);

  afterAll(async () => {
    clients?.destroy();
    await remote?.stop();
  });

  test("its outputs are those AWS would print", () => {
    const aws = Object.keys(dev.outputs).filter((name) => !name.startsWith("Local"));
    expect(aws.sort()).toEqual(["ApiEndpoint", "ApiId", "IdentityPoolId", "Region", "UserPoolClientId", "UserPoolId"]);
    expect(dev.outputs.ApiEndpoint).toBe(`https://${dev.outputs.ApiId}.execute-api.us-east-1.amazonaws.com`);
    expect(dev.outputs.UserPoolId).toMatch(/^us-east-1_\w+$/);
    expect(dev.outputs.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(dev.outputs.Region).toBe("us-east-1");
  });

  test("a user pool with email sign-in and a public client", async () => {
    const { UserPool } = await clients.idp.send(new DescribeUserPoolCommand({ UserPoolId: dev.outputs.UserPoolId }));
    expect(UserPool?.Name).toBe(`${PREFIX}-users`);
    expect(UserPool?.UsernameAttributes).toEqual(["email"]);
    expect(UserPool?.AutoVerifiedAttributes).toEqual(["email"]);
    expect(UserPool?.Policies?.PasswordPolicy?.MinimumLength).toBe(8);
    const { UserPoolClient } = await clients.idp.send(
      new DescribeUserPoolClientCommand({ UserPoolId: dev.outputs.UserPoolId, ClientId: dev.outputs.UserPoolClientId }),
    );
    expect(UserPoolClient?.ClientSecret).toBeUndefined();
    expect(UserPoolClient?.ExplicitAuthFlows?.sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]);
  });

  test("an identity pool bound to that pool and client, mapping signed-in users to the authenticated role", async () => {
    const pool = await clients.identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: dev.outputs.IdentityPoolId }));
    expect(pool.AllowUnauthenticatedIdentities).toBe(false);
    expect(pool.CognitoIdentityProviders).toEqual([
      expect.objectContaining({ ProviderName: `cognito-idp.us-east-1.amazonaws.com/${dev.outputs.UserPoolId}`, ClientId: dev.outputs.UserPoolClientId }),
    ]);
    const { Roles } = await clients.identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: dev.outputs.IdentityPoolId }));
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: `${ROLE_PREFIX}-authenticated` }));
    expect(Roles).toEqual({ authenticated: Role?.Arn });
  });

  test("the authenticated role trusts only this pool's signed-in identities and may invoke only GET /private", async () => {
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: `${ROLE_PREFIX}-authenticated` }));
    const trust = JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "cognito-identity.amazonaws.com:aud": dev.outputs.IdentityPoolId },
      "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
    });
    const { PolicyDocument } = await clients.iam.send(
      new GetRolePolicyCommand({ RoleName: `${ROLE_PREFIX}-authenticated`, PolicyName: `invoke-${PREFIX}-api` }),
    );
    const apiId = new URL(dev.outputs.ApiEndpoint).hostname.split(".")[0];
    const policy = JSON.parse(decodeURIComponent(PolicyDocument!));
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: expect.stringMatching(new RegExp(`^arn:aws:execute-api:us-east-1:\\d{12}:${apiId}/\\*/GET/private$`)) },
    ]);
  });

  test("an HTTP API whose routes have the right auth types and Lambda proxy integrations", async () => {
    const apiId = new URL(dev.outputs.ApiEndpoint).hostname.split(".")[0];
    const { Items: routes } = await clients.api.send(new GetRoutesCommand({ ApiId: apiId }));
    expect(routes?.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual([
      ["GET /private", "AWS_IAM"],
      ["GET /public", "NONE"],
    ]);
    const { Items: integrations } = await clients.api.send(new GetIntegrationsCommand({ ApiId: apiId }));
    expect(integrations).toHaveLength(2);
    for (const integration of integrations!) {
      expect(integration.IntegrationType).toBe("AWS_PROXY");
      expect(integration.PayloadFormatVersion).toBe("2.0");
      expect(routes?.map((r) => r.Target)).toContain(`integrations/${integration.IntegrationId}`);
    }
  });

  test("two Node.js 22 arm64 functions with their log groups, running the synthesized zips", async () => {
    const functions = Object.values(JSON.parse(readFileSync(join(dev.terraformDir, "cdk.tf.json"), "utf8")).resource.aws_lambda_function) as { function_name: string; source_code_hash: string }[];
    const hashes = Object.fromEntries(functions.map((fn) => [fn.function_name, fn.source_code_hash]));
    for (const name of ["public", "private"]) {
      const { Configuration } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: `${PREFIX}-${name}` }));
      expect(Configuration).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"], Handler: "index.handler", MemorySize: 256, Timeout: 10 });
      // The zip went through the S3 object the apply uploaded, and arrived as synthesized.
      expect(Configuration?.CodeSha256).toBe(hashes[`${PREFIX}-${name}`]);
      expect((await remote.lambdaCode.code(`${PREFIX}-${name}`))?.codeSha256).toBe(hashes[`${PREFIX}-${name}`]);
    }
    const { logGroups } = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${PREFIX}-` }));
    expect(logGroups?.map((g) => [g.logGroupName, g.retentionInDays]).sort()).toEqual([
      [`/aws/lambda/${PREFIX}-private`, 14],
      [`/aws/lambda/${PREFIX}-public`, 14],
    ]);
  });
});
