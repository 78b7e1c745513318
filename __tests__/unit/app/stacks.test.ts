import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import awsBindings from "@cdktf/provider-aws/package.json";
import { TerraformStack, Testing } from "cdktf";
import { ApiAuthCognitoStack, buildApp, STATE_STACK_NAME, StateStack } from "../../../app";
import { UNBOOTSTRAPPED_BACKEND_BUCKET } from "../../../app/config";
import { parse, policyStatements, ref, resourcesOf } from "../../support/synthesized";

/** Builds the app as `cdktf synth` would, with the given environment, and synthesizes every stack. */
function synthApp(env: NodeJS.ProcessEnv = {}, context: Record<string, unknown> = {}) {
  const app = buildApp(Testing.app({ context }), env);
  const stacks = app.node.children.filter((child): child is ApiAuthCognitoStack => child instanceof ApiAuthCognitoStack);
  return Object.fromEntries(stacks.map((stack) => [stack.node.id, { stack, synth: Testing.synth(stack) }]));
}

const stacks = synthApp();
/** A preview stage, not in app/config.ts: it takes dev's settings and must pass every check a listed stage passes. */
const preview = synthApp({ API_AUTH_COGNITO_STAGES: "pr-42" })["api-auth-cognito-pr-42"];
const STAGES = [
  ["dev", stacks["api-auth-cognito-dev"]],
  ["prod", stacks["api-auth-cognito-prod"]],
  ["pr-42", preview],
] as const;

test("one stack per stage, named api-auth-cognito-<stage>", () => {
  expect(Object.keys(stacks)).toEqual(["api-auth-cognito-dev", "api-auth-cognito-prod"]);
});

describe("the state bucket's stack", () => {
  const app = buildApp(Testing.app(), { API_AUTH_COGNITO_STATE_BUCKET: "acme-tfstate", API_AUTH_COGNITO_STATE_REGION: "eu-west-1" });
  const stack = app.node.findChild(STATE_STACK_NAME) as StateStack;
  const synth = Testing.synth(stack);

  test("creates the configured state bucket in the state region, keeping its own state locally", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-tfstate" });
    expect(synth).toHaveProviderWithProperties(AwsProvider, { region: "eu-west-1" });
    expect(parse(synth).terraform?.backend).toEqual({ local: { path: "../../../terraform.api-auth-cognito-state.tfstate" } });
    expect(parse(synth).output).toEqual({ StateBucketName: { value: ref(stack.bucket.resources.bucket, "bucket") } });
  });
});

describe.each(STAGES)("the %s stack", (stage, { stack, synth }) => {
  test("targets the AWS provider its bindings were generated from, in us-east-1, tagging everything with app, stage and tool", () => {
    // 5.100.0 with today's bindings, 6.25.0 with @cdktf/provider-aws 21 (the unit-aws6 project), 6.66.0 with
    // @cdktn/provider-aws 25 (unit-cdktn); cdktf's bindings write the source "aws", cdktn's "hashicorp/aws", both the
    // registry's hashicorp/aws.
    const expected = { today: { source: "aws", version: "5.100.0" }, aws6: { source: "aws", version: "6.25.0" }, cdktn: { source: "hashicorp/aws", version: "6.66.0" } };
    const bindings = (globalThis as { bindings?: keyof typeof expected }).bindings ?? "today";
    expect(parse(synth).terraform?.required_providers?.aws).toEqual(expected[bindings]);
    expect(awsBindings.cdktf.provider.version).toBe(expected[bindings].version);
    expect(synth).toHaveProviderWithProperties(AwsProvider, {
      region: "us-east-1",
      default_tags: [{ tags: { App: "api-auth-cognito", Stage: stage, ManagedBy: "cdktf" } }],
    });
  });

  test("keeps its state in S3 under its own key, encrypted and locked; before npm run bootstrap, in no bucket terraform init accepts", () => {
    expect(parse(synth).terraform?.backend).toEqual({
      s3: {
        bucket: UNBOOTSTRAPPED_BACKEND_BUCKET,
        key: `api-auth-cognito/${stage}/us-east-1/terraform.tfstate`,
        region: "us-east-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  test("GET /public is open and GET /private needs IAM authorization", () => {
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /public", authorization_type: "NONE" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /private", authorization_type: "AWS_IAM" });
    expect(Object.keys(resourcesOf(synth, "aws_apigatewayv2_route"))).toHaveLength(2);
  });

  test("each route runs its own handler on Node.js 22", () => {
    for (const name of ["public", "private"]) {
      expect(synth).toHaveResourceWithProperties(LambdaFunction, {
        function_name: `api-auth-cognito-${stage}-${name}`,
        runtime: "nodejs22.x",
        handler: "index.handler",
      });
    }
  });

  test("signed-in users may invoke GET /private of this stage's API and nothing else", () => {
    const { authenticatedRole } = stack.auth.resources;
    const policies = Object.values(resourcesOf(synth, "aws_iam_role_policy")).filter((p) => p.role === ref(authenticatedRole, "id"));
    expect(policies).toHaveLength(1);
    expect(policyStatements(synth, policies[0].policy)).toEqual([
      {
        effect: "Allow",
        actions: ["execute-api:Invoke"],
        resources: [`${ref(stack.api.resources.api, "execution_arn")}/*/GET/private`],
      },
    ]);
  });

  test("the authenticated role trusts only this stage's identity pool and signed-in identities", () => {
    const { authenticatedRole, identityPool } = stack.auth.resources;
    const role = resourcesOf(synth, "aws_iam_role")[authenticatedRole.friendlyUniqueId];
    expect(policyStatements(synth, role.assume_role_policy)[0].condition).toEqual([
      { test: "StringEquals", variable: "cognito-identity.amazonaws.com:aud", values: [ref(identityPool, "id")] },
      { test: "ForAnyValue:StringLike", variable: "cognito-identity.amazonaws.com:amr", values: ["authenticated"] },
    ]);
  });

  test("outputs the endpoint, API id, pool ids, client id and region", () => {
    const { userPoolClient, identityPool } = stack.auth.resources;
    const userPool = stack.auth.resources.userPool!;
    expect(parse(synth).output).toEqual({
      ApiEndpoint: { value: ref(stack.api.resources.api, "api_endpoint") },
      ApiId: { value: ref(stack.api.resources.api, "id") },
      UserPoolId: { value: ref(userPool, "id") },
      IdentityPoolId: { value: ref(identityPool, "id") },
      UserPoolClientId: { value: ref(userPoolClient, "id") },
      Region: { value: "us-east-1" },
    });
  });

  test("its roles carry the region's code, as IAM names are global to an account, and are replaced new-before-old", () => {
    for (const role of Object.values(resourcesOf(synth, "aws_iam_role"))) {
      expect(role.name).toMatch(new RegExp(`^api-auth-cognito-${stage}-use1-(authenticated|public|private)$`));
      expect(role.lifecycle).toEqual({ create_before_destroy: true });
    }
    expect(Object.keys(resourcesOf(synth, "aws_iam_role"))).toHaveLength(3);
  });

  test("passes cdktf's own validations", () => {
    expect(() => Testing.synth(stack as TerraformStack, true)).not.toThrow();
  });
});

describe("stages differ where a careful team wants them to", () => {
  const dev = stacks["api-auth-cognito-dev"].synth;
  const prod = stacks["api-auth-cognito-prod"].synth;

  test("prod's user pool has deletion protection, dev's does not", () => {
    expect(prod).toHaveResourceWithProperties(CognitoUserPool, { deletion_protection: "ACTIVE" });
    expect(dev).toHaveResourceWithProperties(CognitoUserPool, { deletion_protection: "INACTIVE" });
  });

  test("terraform destroy of prod fails at plan time: prevent_destroy on its user pool and identity pool; dev has none", () => {
    const guarded = (synth: string) =>
      ["aws_cognito_user_pool", "aws_cognito_identity_pool"].map((type) => Object.values(resourcesOf(synth, type)).map((r) => (r.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy));
    expect(guarded(prod)).toEqual([[true], [true]]);
    expect(guarded(dev)).toEqual([[undefined], [undefined]]);
  });

  test("a stage's SES sender reaches its user pool; the others keep Cognito's own", () => {
    const ses = "arn:aws:ses:us-east-1:222222222222:identity/example.com";
    const withSender = synthApp({}, { "sesIdentity.prod": ses, "emailFrom.prod": "no-reply@example.com" });
    const pool = (synth: string) => Object.values(resourcesOf(synth, "aws_cognito_user_pool"))[0].email_configuration;
    expect(pool(withSender["api-auth-cognito-prod"].synth)).toEqual({ email_sending_account: "DEVELOPER", source_arn: ses, from_email_address: "no-reply@example.com" });
    expect(pool(withSender["api-auth-cognito-dev"].synth)).toBeUndefined();
  });

  test("prod keeps function and access logs a year, dev two weeks", () => {
    const retention = (synth: string) => Object.values(resourcesOf(synth, "aws_cloudwatch_log_group")).map((g) => g.retention_in_days);
    expect(retention(prod)).toEqual([365, 365, 365]);
    expect(retention(dev)).toEqual([14, 14, 14]);
    expect(prod).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/vendedlogs/apigateway/api-auth-cognito-prod-api/access" });
  });

  test("a preview stage has dev's settings: no deletion protection, two weeks of logs", () => {
    expect(preview.synth).toHaveResourceWithProperties(CognitoUserPool, { name: "api-auth-cognito-pr-42-users", deletion_protection: "INACTIVE" });
    expect(Object.values(resourcesOf(preview.synth, "aws_cloudwatch_log_group")).map((g) => g.retention_in_days)).toEqual([14, 14, 14]);
  });

  test("no physical name is shared between the stages", () => {
    // Resource types whose names must be unique in an account and region, with their name attribute.
    const named: Array<[string, string]> = [
      ["aws_cognito_user_pool", "name"],
      ["aws_cognito_identity_pool", "identity_pool_name"],
      ["aws_iam_role", "name"],
      ["aws_lambda_function", "function_name"],
      ["aws_cloudwatch_log_group", "name"],
      ["aws_apigatewayv2_api", "name"],
    ];
    const names = (synth: string) => named.flatMap(([type, attribute]) => Object.values(resourcesOf(synth, type)).map((r) => String(r[attribute])));
    const devNames = names(dev);
    expect(devNames).toHaveLength(11);
    expect(devNames.filter((name) => names(prod).includes(name))).toEqual([]);
    expect(devNames.filter((name) => names(preview.synth).includes(name))).toEqual([]);
    for (const name of devNames) expect(name.replace(/_/g, "-")).toContain("api-auth-cognito-dev");
    for (const name of names(preview.synth)) expect(name.replace(/_/g, "-")).toContain("api-auth-cognito-pr-42");
  });
});

describe("settings reach the stacks", () => {
  test("API_AUTH_COGNITO_STAGES synthesizes only the stages named, beside the state bucket's stack", () => {
    const app = buildApp(Testing.app(), { API_AUTH_COGNITO_STAGES: "prod" });
    expect(app.node.children.map((child) => child.node.id)).toEqual(["api-auth-cognito-state", "api-auth-cognito-prod"]);
  });

  test("cdktf.json context sets region and state bucket", () => {
    const { synth } = synthApp({}, { region: "eu-west-1", stateBucket: "acme-tfstate", stateRegion: "eu-central-1" })["api-auth-cognito-dev"];
    expect(synth).toHaveProviderWithProperties(AwsProvider, { region: "eu-west-1" });
    expect(parse(synth).terraform?.backend?.s3).toMatchObject({ bucket: "acme-tfstate", region: "eu-central-1" });
    expect(parse(synth).output?.Region).toEqual({ value: "eu-west-1" });
  });

  test("environment variables win over cdktf.json context", () => {
    const { synth } = synthApp(
      { API_AUTH_COGNITO_STATE_BUCKET: "from-env-bucket", API_AUTH_COGNITO_REGION: "ap-southeast-2" },
      { stateBucket: "from-context-bucket", region: "eu-west-1" },
    )["api-auth-cognito-prod"];
    expect(parse(synth).terraform?.backend?.s3).toMatchObject({ bucket: "from-env-bucket" });
    expect(synth).toHaveProviderWithProperties(AwsProvider, { region: "ap-southeast-2" });
  });

  test("a stage in its own region and account: prod's provider assumes its deploy role there; dev is unchanged", () => {
    const role = "arn:aws:iam::222222222222:role/api-auth-cognito-deploy";
    const synthesized = synthApp({ API_AUTH_COGNITO_REGION_PROD: "eu-west-1", API_AUTH_COGNITO_DEPLOY_ROLE_PROD: role });
    const prod = synthesized["api-auth-cognito-prod"];
    const dev = synthesized["api-auth-cognito-dev"];
    expect(parse(prod.synth).variable?.stage_role_arn).toMatchObject({ type: "string", default: role });
    expect(prod.stack.manifest.roles).toEqual({ variable: "stage_role_arn", deploy: role });
    expect(parse(prod.synth).provider?.aws).toEqual([
      {
        region: "eu-west-1",
        assume_role: [{ role_arn: "${var.stage_role_arn}", session_name: "api-auth-cognito-prod" }],
        default_tags: [{ tags: { App: "api-auth-cognito", Stage: "prod", ManagedBy: "cdktf" } }],
      },
    ]);
    expect(parse(prod.synth).output?.Region).toEqual({ value: "eu-west-1" });
    expect(prod.stack.manifest.region).toBe("eu-west-1");
    // The state stays in the one state bucket, reached with the caller's credentials (the backend assumes nothing).
    expect(parse(prod.synth).terraform?.backend?.s3).toEqual({
      bucket: UNBOOTSTRAPPED_BACKEND_BUCKET,
      key: "api-auth-cognito/prod/eu-west-1/terraform.tfstate",
      region: "us-east-1",
      encrypt: true,
      use_lockfile: true,
    });
    expect(parse(dev.synth).provider?.aws).toEqual([{ region: "us-east-1", default_tags: [{ tags: { App: "api-auth-cognito", Stage: "dev", ManagedBy: "cdktf" } }] }]);
  });

  test("against the local cloud, a stage's deploy role is not assumed: the local cloud has one account", () => {
    const role = "arn:aws:iam::222222222222:role/api-auth-cognito-deploy";
    const { synth } = synthApp({ API_AUTH_COGNITO_TARGET: "local", API_AUTH_COGNITO_DEPLOY_ROLE_DEV: role })["api-auth-cognito-dev"];
    expect(parse(synth).provider?.aws?.[0]).not.toHaveProperty("assume_role");
    expect(synthApp({ API_AUTH_COGNITO_DEPLOY_ROLE_DEV: role })["api-auth-cognito-dev"].synth).toHaveProviderWithProperties(AwsProvider, {
      assume_role: [{ role_arn: "${var.stage_role_arn}", session_name: "api-auth-cognito-dev" }],
    });
  });

  test("the same stage in two regions of one account keeps two states and shares no IAM name: the key holds the region, the roles its code", () => {
    const dev = (region: string) => synthApp({ API_AUTH_COGNITO_REGION: region })["api-auth-cognito-dev"].synth;
    const [east, west] = [dev("us-east-1"), dev("eu-west-1")];
    expect([parse(east).terraform?.backend?.s3?.key, parse(west).terraform?.backend?.s3?.key]).toEqual([
      "api-auth-cognito/dev/us-east-1/terraform.tfstate",
      "api-auth-cognito/dev/eu-west-1/terraform.tfstate",
    ]);
    const roles = (synth: string) => Object.values(resourcesOf(synth, "aws_iam_role")).map((r) => r.name).sort();
    expect(roles(east)).toEqual(["api-auth-cognito-dev-use1-authenticated", "api-auth-cognito-dev-use1-private", "api-auth-cognito-dev-use1-public"]);
    expect(roles(west)).toEqual(["api-auth-cognito-dev-euw1-authenticated", "api-auth-cognito-dev-euw1-private", "api-auth-cognito-dev-euw1-public"]);
  });

  test("a bad setting stops the app before any stack exists", () => {
    const app = Testing.app();
    expect(() => buildApp(app, { API_AUTH_COGNITO_REGION: "mars-1" })).toThrow(
      'invalid region "mars-1": expected an AWS region code such as us-east-1 or eu-west-2 (from environment variable API_AUTH_COGNITO_REGION)',
    );
    expect(app.node.children).toHaveLength(0);
  });
});
