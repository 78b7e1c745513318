import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { TerraformOutput, Testing } from "cdktf";
import { Construct } from "constructs";
import { HttpApi, HttpApiProps, RouteFunction } from "../../../constructs/http-api";
import { ValidationError } from "../../../constructs/validation";
import { bodyOf, parse, policyStatements, ref, resourcesOf } from "../../support/synthesized";

/** A function as any Lambda resource would present it to a route. */
const fn = (name: string): RouteFunction => ({
  functionName: name,
  invokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${name}/invocations`,
});

/** Synthesizes one HttpApi (plus whatever `extra` adds) and returns it with the stack's JSON. */
function synthApi(
  props: Partial<HttpApiProps> = {},
  extra: (scope: Construct, api: HttpApi) => void = () => undefined,
): { api: HttpApi; synth: string } {
  let api!: HttpApi;
  const synth = Testing.synthScope((scope) => {
    api = new HttpApi(scope, "Api", {
      name: "app-dev-api",
      routes: { "GET /private": fn("private"), "GET /public": { function: fn("public"), authorizationType: "NONE" } },
      ...props,
    });
    extra(scope, api);
  });
  return { api, synth };
}

const role = (scope: Construct, id = "Role") => new IamRole(scope, id, { name: id, assumeRolePolicy: "{}" });

describe("HttpApi defaults", () => {
  const { api, synth } = synthApi();

  test("an HTTP API with a $default stage that deploys automatically", () => {
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Api, { name: "app-dev-api", protocol_type: "HTTP" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Stage, {
      api_id: ref(api.resources.api, "id"),
      name: "$default",
      auto_deploy: true,
    });
  });

  test("routes use AWS_IAM unless they say otherwise", () => {
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /private", authorization_type: "AWS_IAM" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /public", authorization_type: "NONE" });
    expect(api.authorizationTypeOf("GET /private")).toBe("AWS_IAM");
    expect(api.authorizationTypeOf("GET /public")).toBe("NONE");
  });

  test("each route targets its own Lambda proxy integration with payload format 2.0", () => {
    const { route, integration } = api.resources.routes["GET /private"];
    expect(bodyOf(synth, route).target).toBe(`integrations/${ref(integration, "id")}`);
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Integration, {
      integration_type: "AWS_PROXY",
      integration_uri: fn("private").invokeArn,
      payload_format_version: "2.0",
    });
    expect(Object.keys(resourcesOf(synth, "aws_apigatewayv2_integration"))).toHaveLength(2);
  });

  test("each route's invoke permission is scoped to that route's ARN", () => {
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(synth).toHaveResourceWithProperties(LambdaPermission, {
      action: "lambda:InvokeFunction",
      function_name: "private",
      principal: "apigateway.amazonaws.com",
      source_arn: `${executionArn}/*/GET/private`,
    });
    expect(synth).toHaveResourceWithProperties(LambdaPermission, {
      function_name: "public",
      source_arn: `${executionArn}/*/GET/public`,
    });
    expect(Object.keys(resourcesOf(synth, "aws_lambda_permission"))).toHaveLength(2);
  });

  test("routeKeys lists the routes as given, routeArn names one route in every stage", () => {
    expect(api.routeKeys).toEqual(["GET /private", "GET /public"]);
    const { api: withOutput, synth: withOutputSynth } = synthApi({}, (scope, api) => {
      new TerraformOutput(scope, "PrivateArn", { value: api.routeArn("GET /private") });
    });
    expect(parse(withOutputSynth).output?.PrivateArn.value).toBe(`${ref(withOutput.resources.api, "execution_arn")}/*/GET/private`);
  });
});

describe("HttpApi stage defaults: access logs, throttling, CORS", () => {
  const { api, synth } = synthApi();
  const { stage, accessLogGroup } = api.resources;

  test("the stage writes one JSON line per request to its own log group, kept 14 days", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/vendedlogs/apigateway/app-dev-api/access", retention_in_days: 14 });
    const settings = bodyOf(synth, stage).access_log_settings as { destination_arn: string; format: string };
    expect(settings.destination_arn).toBe(ref(accessLogGroup, "arn"));
    expect(JSON.parse(settings.format)).toEqual(
      expect.objectContaining({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        routeKey: "$context.routeKey",
        status: "$context.status",
        cognitoIdentityId: "$context.identity.cognitoIdentityId",
      }),
    );
  });

  test("every route is throttled to 100 requests per second with bursts of 200", () => {
    expect(bodyOf(synth, stage).default_route_settings).toEqual({ throttling_rate_limit: 100, throttling_burst_limit: 200 });
  });

  test("CORS is explicit: any origin, the SigV4 headers, the routes' methods, no credentials", () => {
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Api, {
      cors_configuration: {
        allow_origins: ["*"],
        allow_headers: ["authorization", "content-type", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"],
        allow_methods: ["GET"],
        max_age: 3600,
        allow_credentials: false,
      },
    });
  });
});

describe("HttpApi options", () => {
  test("throttle, CORS and access log retention can be set, and CORS turned off", () => {
    const { api, synth } = synthApi({
      throttle: { rateLimit: 5, burstLimit: 10 },
      cors: { allowOrigins: ["https://app.example.com"], maxAge: 60 },
      accessLogRetentionInDays: 365,
      routes: { "GET /a": fn("a"), "POST /a": fn("a"), "ANY /b": fn("b") },
    });
    expect(bodyOf(synth, api.resources.stage).default_route_settings).toEqual({ throttling_rate_limit: 5, throttling_burst_limit: 10 });
    expect(bodyOf(synth, api.resources.api).cors_configuration).toMatchObject({
      allow_origins: ["https://app.example.com"],
      allow_methods: ["*", "GET", "POST"],
      max_age: 60,
    });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 365 });
    const { api: noCors } = synthApi({ cors: false });
    expect(bodyOf(synthApi({ cors: false }).synth, noCors.resources.api).cors_configuration).toBeUndefined();
  });

  test("defaultAuthorizationType NONE makes routes open unless they choose AWS_IAM", () => {
    const { synth } = synthApi({
      defaultAuthorizationType: "NONE",
      routes: { "GET /open": fn("open"), "GET /closed": { function: fn("closed"), authorizationType: "AWS_IAM" } },
    });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /open", authorization_type: "NONE" });
    expect(synth).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "GET /closed", authorization_type: "AWS_IAM" });
  });

  test("path parameters, ANY and $default become wildcards in permission ARNs", () => {
    const { api, synth } = synthApi({
      routes: { "GET /notes/{id}": fn("get"), "ANY /files/{proxy+}": fn("files"), $default: fn("fallback") },
    });
    const executionArn = ref(api.resources.api, "execution_arn");
    const sourceArns = Object.values(resourcesOf(synth, "aws_lambda_permission")).map((p) => p.source_arn);
    expect(sourceArns.sort()).toEqual(
      [`${executionArn}/*/GET/notes/*`, `${executionArn}/*/*/files/*`, `${executionArn}/*/$default`].sort(),
    );
  });

  test("a provider LambdaFunction resource can be a route target as it is", () => {
    let target!: LambdaFunction;
    const withResource = Testing.synthScope((scope) => {
      target = new LambdaFunction(scope, "Existing", { functionName: "existing", role: "arn:aws:iam::123456789012:role/r" });
      new HttpApi(scope, "Api", { name: "api", routes: { "GET /existing": target } });
    });
    expect(withResource).toHaveResourceWithProperties(Apigatewayv2Integration, { integration_uri: ref(target, "invoke_arn") });
    expect(withResource).toHaveResourceWithProperties(LambdaPermission, { function_name: ref(target, "function_name") });
  });

  test("construct ids come from route keys: adding a route leaves the others' logical ids as they were", () => {
    const ids = (routes: HttpApiProps["routes"]) => Object.keys(resourcesOf(synthApi({ routes }).synth, "aws_apigatewayv2_route"));
    const before = ids({ "GET /b": fn("b") });
    const after = ids({ "GET /a": fn("a"), "GET /b": fn("b") });
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(2);
  });
});

describe("HttpApi escape hatches", () => {
  test("cdk.api and cdk.stage override the construct's settings", () => {
    const { api, synth } = synthApi({ cdk: { api: { description: "notes API", disableExecuteApiEndpoint: false }, stage: { description: "live" } } });
    expect(bodyOf(synth, api.resources.api)).toMatchObject({ description: "notes API", protocol_type: "HTTP" });
    expect(bodyOf(synth, api.resources.stage)).toMatchObject({ description: "live", name: "$default", auto_deploy: true });
  });
});

describe("HttpApi.grantInvoke", () => {
  test("writes execute-api:Invoke on exactly the AWS_IAM routes' ARNs", () => {
    let grantee!: IamRole;
    const { api, synth } = synthApi({
      routes: {
        "GET /private": fn("private"),
        "POST /notes": fn("notes"),
        "GET /notes/{id}": fn("note"),
        "GET /public": { function: fn("public"), authorizationType: "NONE" },
      },
    }, (scope, api) => {
      grantee = role(scope);
      api.grantInvoke(grantee);
    });
    const [policy] = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policy.role).toBe(ref(grantee, "id"));
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(policyStatements(synth, policy.policy)).toEqual([
      {
        effect: "Allow",
        actions: ["execute-api:Invoke"],
        resources: [`${executionArn}/*/GET/private`, `${executionArn}/*/POST/notes`, `${executionArn}/*/GET/notes/*`],
      },
    ]);
  });

  test("named routes narrow the grant to those routes", () => {
    const { api, synth } = synthApi({ routes: { "GET /a": fn("a"), "GET /b": fn("b") } }, (scope, api) => {
      api.grantInvoke(role(scope), "GET /b");
    });
    const [policy] = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policyStatements(synth, policy.policy)[0].resources).toEqual([`${ref(api.resources.api, "execution_arn")}/*/GET/b`]);
  });

  test("two roles get two policies, both recorded in resources.grants", () => {
    const { api, synth } = synthApi({}, (scope, api) => {
      api.grantInvoke(role(scope, "One"));
      api.grantInvoke(role(scope, "Two"));
    });
    expect(Object.keys(resourcesOf(synth, "aws_iam_role_policy"))).toHaveLength(2);
    expect(Object.keys(api.resources.grants).sort()).toEqual(["One", "Two"]);
  });

  test.each([
    [["GET /public"], /cannot grant invoke on route "GET \/public": its authorization type is NONE/],
    [["GET /missing"], /unknown route "GET \/missing": this API has "GET \/private", "GET \/public"/],
  ])("refuses %j", (keys, message) => {
    expect(() => synthApi({}, (scope, api) => api.grantInvoke(role(scope), ...keys))).toThrow(message);
  });

  test("refuses an API without AWS_IAM routes", () => {
    expect(() =>
      synthApi({ defaultAuthorizationType: "NONE", routes: { "GET /": fn("root") } }, (scope, api) => api.grantInvoke(role(scope))),
    ).toThrow(/it has no AWS_IAM routes/);
  });

  test("refuses a NONE route in a later grant to a role that already has one", () => {
    expect(() =>
      synthApi({}, (scope, api) => {
        const grantee = role(scope);
        api.grantInvoke(grantee, "GET /private");
        api.grantInvoke(grantee, "GET /public");
      }),
    ).toThrow('cannot grant invoke on route "GET /public": its authorization type is NONE; grants apply to AWS_IAM routes only');
  });
});

describe("HttpApi grants compose", () => {
  const routes = { "GET /a": fn("a"), "GET /b": fn("b"), "GET /c": fn("c"), "GET /open": { function: fn("open"), authorizationType: "NONE" as const } };
  /** The one invoke policy of the stack, and the resources of its one statement. */
  const onlyGrant = (synth: string) => {
    const policies = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policies).toHaveLength(1);
    const documents = Object.keys(parse(synth).data?.aws_iam_policy_document ?? {});
    expect(documents).toHaveLength(1);
    const statements = policyStatements(synth, policies[0].policy);
    expect(statements).toHaveLength(1);
    return { policy: policies[0], resources: statements[0].resources };
  };

  test("two grants to one role: one policy and one document, whose resources are exactly both routes", () => {
    let first!: IamRolePolicy;
    let second!: IamRolePolicy;
    const { api, synth } = synthApi({ routes }, (scope, api) => {
      const grantee = role(scope);
      first = api.grantInvoke(grantee, "GET /a");
      second = api.grantInvoke(grantee, "GET /b");
    });
    expect(second).toBe(first);
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(onlyGrant(synth).resources).toEqual([`${executionArn}/*/GET/a`, `${executionArn}/*/GET/b`]);
    expect(Object.keys(api.resources.grants)).toEqual(["Role"]);
  });

  test("repeating a grant adds nothing, and the ARNs keep the order they were first granted in", () => {
    const { api, synth } = synthApi({ routes }, (scope, api) => {
      const grantee = role(scope);
      api.grantInvoke(grantee, "GET /b");
      api.grantInvoke(grantee, "GET /b", "GET /a");
      api.grantInvoke(grantee);
      api.grantInvoke(grantee, "GET /a");
    });
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(onlyGrant(synth).resources).toEqual([`${executionArn}/*/GET/b`, `${executionArn}/*/GET/a`, `${executionArn}/*/GET/c`]);
  });

  test("an IamRole's grant keeps its construct ids: Invoke <role path> and Invoke <role path> Document", () => {
    const { api } = synthApi({ routes }, (scope, api) => {
      const grantee = role(scope, "Team");
      api.grantInvoke(grantee, "GET /a");
      api.grantInvoke(grantee, "GET /b");
    });
    expect(api.resources.grants.Team.node.id).toBe("Invoke Team");
    expect(api.node.tryFindChild("Invoke Team Document")).toBeInstanceOf(DataAwsIamPolicyDocument);
    expect(api.node.children.filter((child) => child.node.id.startsWith("Invoke "))).toHaveLength(2);
  });

  test("an existing role by name and ARN: its grant is keyed by name and names the role by name", () => {
    const { api, synth } = synthApi({ routes }, (_scope, api) => {
      api.grantInvoke({ arn: "arn:aws:iam::123456789012:role/ci", name: "ci" }, "GET /a");
      api.grantInvoke({ arn: "arn:aws:iam::123456789012:role/ci", name: "ci" }, "GET /c");
    });
    const { policy, resources } = onlyGrant(synth);
    expect(policy).toMatchObject({ role: "ci", name: "invoke-app-dev-api" });
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(resources).toEqual([`${executionArn}/*/GET/a`, `${executionArn}/*/GET/c`]);
    expect(api.resources.grants.ci.node.id).toBe("Invoke ci");
    expect(api.node.tryFindChild("Invoke ci Document")).toBeInstanceOf(DataAwsIamPolicyDocument);
  });

  test("an IamRole and an existing role are two grants", () => {
    const { api, synth } = synthApi({ routes }, (scope, api) => {
      api.grantInvoke(role(scope), "GET /a");
      api.grantInvoke({ arn: "arn:aws:iam::123456789012:role/ci", name: "ci" }, "GET /b");
    });
    expect(Object.keys(resourcesOf(synth, "aws_iam_role_policy"))).toHaveLength(2);
    expect(Object.keys(api.resources.grants).sort()).toEqual(["Role", "ci"]);
  });

  test("refuses an existing role whose name is a token: its construct ids need a literal name", () => {
    expect(() =>
      synthApi({ routes }, (scope, api) => {
        const other = role(scope, "Other");
        api.grantInvoke({ arn: other.arn, name: other.name }, "GET /a");
      }),
    ).toThrow(/whose name is a token: .*a literal name is needed for a stable construct id; pass the IamRole itself, or its literal name/);
  });

  test("refuses an existing role whose name IAM would not accept", () => {
    expect(() => synthApi({ routes }, (_scope, api) => api.grantInvoke({ arn: "arn:aws:iam::123456789012:role/x", name: "my role" }))).toThrow(
      /invalid role name "my role": expected 1 to 64 characters/,
    );
  });

  test("refuses an existing role whose name is the path of an IamRole granted on the same API", () => {
    expect(() =>
      synthApi({ routes }, (scope, api) => {
        api.grantInvoke(role(scope, "ci"), "GET /a");
        api.grantInvoke({ arn: "arn:aws:iam::123456789012:role/ci", name: "ci" }, "GET /b");
      }),
    ).toThrow('cannot grant invoke to role "ci": an IamRole and an existing role both key their grants "ci" on this API');
  });
});

describe("HttpApi escape hatches refuse what the construct validated or derived", () => {
  test.each([
    [{ api: { name: "other" } }, "cannot set cdk.api.name: the construct derives it from name; set name instead"],
    [{ api: { corsConfiguration: { allowOrigins: ["*"] } } }, "cannot set cdk.api.corsConfiguration: the construct derives it from cors; set cors instead"],
    [{ api: { protocolType: "WEBSOCKET" } }, 'cannot set cdk.api.protocolType: the construct fixes it to "HTTP"; define an Apigatewayv2Api of your own for a WebSocket API'],
    [{ api: { routeKey: "GET /x" } }, "cannot set cdk.api.routeKey: the construct derives it from routes; set routes instead"],
    [{ api: { target: "arn:aws:lambda:us-east-1:123456789012:function:x" } }, "cannot set cdk.api.target: the construct derives it from routes; set routes instead"],
    [{ api: { body: "{}" } }, "cannot set cdk.api.body: the construct derives it from routes; set routes instead"],
    [
      { stage: { accessLogSettings: { destinationArn: "arn", format: "$context.requestId" } } },
      "cannot set cdk.stage.accessLogSettings: the construct derives it from name and accessLogRetentionInDays; set name and accessLogRetentionInDays instead",
    ],
    [{ stage: { defaultRouteSettings: { throttlingRateLimit: 1 } } }, "cannot set cdk.stage.defaultRouteSettings: the construct derives it from throttle; set throttle instead"],
    ...["apiId", "name", "autoDeploy", "deploymentId"].map((key) => [
      { stage: { [key]: key === "autoDeploy" ? false : "x" } },
      `cannot set cdk.stage.${key}: the construct fixes it to this API's automatically deployed $default stage; define an Apigatewayv2Stage of your own for another stage`,
    ]),
  ] as Array<[HttpApiProps["cdk"], string]>)("refuses %j", (cdk, message) => {
    expect(() => synthApi({ cdk })).toThrow(ValidationError);
    expect(() => synthApi({ cdk })).toThrow(message);
  });

  test("a refused key counts as set even when its value is undefined: spreading it would erase ours", () => {
    expect(() => synthApi({ cdk: { stage: { defaultRouteSettings: undefined } } })).toThrow(/cannot set cdk.stage.defaultRouteSettings/);
  });
});

describe("HttpApi validation", () => {
  test.each([
    ["no routes", { routes: {} }, /API "app-dev-api" has no routes: expected at least one/],
    ["a malformed route key", { routes: { "GET/private": fn("x") } }, /invalid route key "GET\/private"/],
    ["an unknown method", { routes: { "FETCH /x": fn("x") } }, /unknown method "FETCH"/],
    [
      "a duplicate route",
      { routes: { "GET /notes/{id}": fn("a"), "GET /notes/{noteId}": fn("b") } },
      /duplicate route "GET \/notes\/\{noteId\}": it matches the same requests as "GET \/notes\/\{id\}"/,
    ],
    [
      "an unknown authorization type",
      { routes: { "GET /x": { function: fn("x"), authorizationType: "JWT" as never } } },
      /invalid authorization type "JWT" for route "GET \/x": expected one of NONE, AWS_IAM/,
    ],
    ["an unknown default authorization type", { defaultAuthorizationType: "COGNITO" as never }, /invalid default authorization type "COGNITO"/],
    ["a bad API name", { name: "my/api" }, /invalid API name "my\/api"/],
    ["an API name with a space", { name: "my api" }, /invalid API name "my api": expected 1 to 128 characters of letters, digits, dots, hyphens and underscores/],
    ["a zero rate limit", { throttle: { rateLimit: 0 } }, /invalid throttle rate limit \(requests per second\) 0: expected a whole number from 1 to 10000/],
    ["a burst limit above 5000", { throttle: { burstLimit: 5001 } }, /invalid throttle burst limit \(requests\) 5001/],
    ["a CORS max age above a day", { cors: { maxAge: 86_401 } }, /invalid CORS max age \(seconds\) 86401/],
    ["an access log retention CloudWatch does not offer", { accessLogRetentionInDays: 10 }, /invalid access log retention \(days\) 10: expected one of 1, 3, 5/],
  ])("rejects %s", (_what, props, message) => {
    expect(() => synthApi(props as Partial<HttpApiProps>)).toThrow(message);
  });
});
