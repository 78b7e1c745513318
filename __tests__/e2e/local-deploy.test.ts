import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiGatewayV2Client, GetApisCommand, GetIntegrationsCommand, GetRoutesCommand } from "@aws-sdk/client-apigatewayv2";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetIdentityPoolRolesCommand,
  ListIdentityPoolsCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolsCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolesCommand } from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { apply, destroy, Outputs, outputs, prepareLocalStack } from "../../tools/terraform/local-deploy";
import { LOCAL_STATE_BUCKET } from "../../config";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { LocalCloud, startLocalCloud } from "../../tools/local-cloud/front";
import { motoMissing } from "../../tools/local-cloud/moto";
import { synthesize, SynthesizedStack } from "../../tools/terraform/synthesize";
import { cliConfigFile, terraform, TerraformResult, terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

const PREFIX = "api-auth-cognito-dev";
/** IAM names carry the region's code too (us-east-1). */
const ROLE_PREFIX = `${PREFIX}-use1`;

/**
 * The dev stage, deployed with the real Terraform and AWS provider to the moto emulator behind our front,
 * read back with AWS SDK v3 clients, then destroyed.
 */
describeWhen(terraformMissing() ?? motoMissing())("dev deployed to the local cloud", () => {
  let scratch: string;
  let cloud: LocalCloud;
  let stack: SynthesizedStack;
  let applies: TerraformResult[];
  let winner: string;
  let deployed: Outputs;
  let clients: ReturnType<typeof makeClients>;

  beforeAll(async () => {
    cliConfigFile();
    scratch = mkdtempSync(join(tmpdir(), "local-deploy-"));
    cloud = await startLocalCloud({ logFile: join(scratch, "moto.log") });
    clients = makeClients(cloud.endpoint);
    stack = synthesize(join(scratch, "out")).find((s) => s.name === PREFIX)!;
    // Two working copies of one stage, applied at the same time: the state lock must let only one through.
    const dirs = await Promise.all(["a", "b"].map((name) => prepareLocalStack(stack, cloud.endpoint, join(scratch, name))));
    applies = await Promise.all(dirs.map((dir) => apply(dir)));
    winner = dirs[applies.findIndex((r) => r.code === 0)];
    deployed = await outputs(winner);
  }, 240_000);

  afterAll(async () => {
    clients?.destroy();
    await cloud?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("two applies at once: the state lock refuses one, the other deploys", () => {
    const codes = applies.map((r) => r.code).sort();
    expect(codes[0]).toBe(0);
    expect(codes[1]).not.toBe(0);
    const loser = applies.find((r) => r.code !== 0)!;
    expect(loser.stderr).toContain("Error acquiring the state lock");
  });

  test("prints the same outputs AWS would", () => {
    expect(Object.keys(deployed).sort()).toEqual(["ApiEndpoint", "ApiId", "IdentityPoolId", "Region", "UserPoolClientId", "UserPoolId"]);
    expect(deployed.ApiEndpoint).toBe(`https://${deployed.ApiId}.execute-api.us-east-1.amazonaws.com`);
    expect(deployed.UserPoolId).toMatch(/^us-east-1_\w+$/);
    expect(deployed.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(deployed.Region).toBe("us-east-1");
  });

  test("the state survived the race: it is in the emulator's S3 under the stage's key, and a new plan has nothing to do", async () => {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: "api-auth-cognito/dev/us-east-1/terraform.tfstate" }));
    const state = JSON.parse(await object.Body!.transformToString());
    // The system's 23 resources, and for each of its 2 functions the object its zip is uploaded to (function-code-from-s3.ts).
    const managed = state.resources.filter((r: { mode: string }) => r.mode === "managed");
    expect(managed).toHaveLength(25);
    expect(managed.filter((r: { type: string }) => r.type === "aws_s3_object").map((r: { name: string }) => r.name).sort()).toEqual([
      "PrivateFunction_80BAF6B9_code",
      "PublicFunction_4539FE2B_code",
    ]);
    const fresh = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "fresh"));
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], fresh);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
  }, 60_000);

  test("a user pool with email sign-in and a public client", async () => {
    const { UserPool } = await clients.idp.send(new DescribeUserPoolCommand({ UserPoolId: deployed.UserPoolId }));
    expect(UserPool?.Name).toBe(`${PREFIX}-users`);
    expect(UserPool?.UsernameAttributes).toEqual(["email"]);
    expect(UserPool?.AutoVerifiedAttributes).toEqual(["email"]);
    expect(UserPool?.Policies?.PasswordPolicy?.MinimumLength).toBe(8);
    const { UserPoolClient } = await clients.idp.send(
      new DescribeUserPoolClientCommand({ UserPoolId: deployed.UserPoolId, ClientId: deployed.UserPoolClientId }),
    );
    expect(UserPoolClient?.ClientSecret).toBeUndefined();
    expect(UserPoolClient?.ExplicitAuthFlows?.sort()).toEqual(["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]);
  });

  test("an identity pool bound to that pool and client, mapping signed-in users to the authenticated role", async () => {
    const pool = await clients.identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: deployed.IdentityPoolId }));
    expect(pool.AllowUnauthenticatedIdentities).toBe(false);
    expect(pool.CognitoIdentityProviders).toEqual([
      expect.objectContaining({ ProviderName: `cognito-idp.us-east-1.amazonaws.com/${deployed.UserPoolId}`, ClientId: deployed.UserPoolClientId }),
    ]);
    const { Roles } = await clients.identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: deployed.IdentityPoolId }));
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: `${ROLE_PREFIX}-authenticated` }));
    expect(Roles).toEqual({ authenticated: Role?.Arn });
  });

  test("the authenticated role trusts only this pool's signed-in identities and may invoke only GET /private", async () => {
    const { Role } = await clients.iam.send(new GetRoleCommand({ RoleName: `${ROLE_PREFIX}-authenticated` }));
    const trust = JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!));
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "cognito-identity.amazonaws.com:aud": deployed.IdentityPoolId },
      "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
    });
    const { PolicyDocument } = await clients.iam.send(
      new GetRolePolicyCommand({ RoleName: `${ROLE_PREFIX}-authenticated`, PolicyName: `invoke-${PREFIX}-api` }),
    );
    const apiId = new URL(deployed.ApiEndpoint).hostname.split(".")[0];
    const policy = JSON.parse(decodeURIComponent(PolicyDocument!));
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: expect.stringMatching(new RegExp(`^arn:aws:execute-api:us-east-1:\\d{12}:${apiId}/\\*/GET/private$`)) },
    ]);
  });

  test("an HTTP API whose routes have the right auth types and Lambda proxy integrations", async () => {
    const apiId = new URL(deployed.ApiEndpoint).hostname.split(".")[0];
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
    const functions = Object.values(JSON.parse(readFileSync(join(winner, "cdk.tf.json"), "utf8")).resource.aws_lambda_function) as { function_name: string; source_code_hash: string }[];
    const hashes = Object.fromEntries(functions.map((fn) => [fn.function_name, fn.source_code_hash]));
    for (const name of ["public", "private"]) {
      const { Configuration } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: `${PREFIX}-${name}` }));
      expect(Configuration).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"], Handler: "index.handler", MemorySize: 256, Timeout: 10 });
      // The zip went through the S3 object the apply uploaded, and arrived as synthesized.
      expect(Configuration?.CodeSha256).toBe(hashes[`${PREFIX}-${name}`]);
      expect(cloud.lambdaCode.code(`${PREFIX}-${name}`)?.codeSha256).toBe(hashes[`${PREFIX}-${name}`]);
    }
    const { logGroups } = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${PREFIX}-` }));
    expect(logGroups?.map((g) => [g.logGroupName, g.retentionInDays]).sort()).toEqual([
      [`/aws/lambda/${PREFIX}-private`, 14],
      [`/aws/lambda/${PREFIX}-public`, 14],
    ]);
  });

  test("destroy leaves nothing behind", async () => {
    await destroy(winner);
    const { UserPools } = await clients.idp.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    expect(UserPools?.filter((p) => p.Name?.startsWith(PREFIX))).toEqual([]);
    const { IdentityPools } = await clients.identity.send(new ListIdentityPoolsCommand({ MaxResults: 60 }));
    expect(IdentityPools).toEqual([]);
    const { Items: apis } = await clients.api.send(new GetApisCommand({}));
    expect(apis ?? []).toEqual([]);
    const { Functions } = await clients.lambda.send(new ListFunctionsCommand({}));
    expect(Functions ?? []).toEqual([]);
    const { Roles } = await clients.iam.send(new ListRolesCommand({}));
    expect(Roles?.filter((r) => r.RoleName?.startsWith(PREFIX))).toEqual([]);
    const { logGroups } = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${PREFIX}-` }));
    expect(logGroups).toEqual([]);
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: "api-auth-cognito/dev/us-east-1/terraform.tfstate" }));
    expect(JSON.parse(await object.Body!.transformToString()).resources).toEqual([]);
  }, 120_000);
});

/** AWS SDK v3 clients of every service the stack uses, pointed at the local cloud. */
function makeClients(endpoint: string) {
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
