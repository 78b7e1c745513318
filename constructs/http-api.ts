import { Apigatewayv2Api, Apigatewayv2ApiConfig } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage, Apigatewayv2StageConfig } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Lazy, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { accessLogGroupName, assertPhysicalName, inlinePolicyName } from "./naming";
import { assertLogRetention } from "./log-retention";
import type { InvokeGrantee } from "./iam";
import { refuseOverrides, Refusals } from "./overrides";
import { parseRouteKey, ParsedRouteKey, routeArn, routeSignature } from "./route-key";
import { assertIntegerInRange, assertOneOf, quoted, ValidationError } from "./validation";

/** How API Gateway authorizes a route: not at all, or by a SigV4 signature checked against IAM policies. */
export type AuthorizationType = "NONE" | "AWS_IAM";

/** Authorization types a route may use. */
export const AUTHORIZATION_TYPES: readonly AuthorizationType[] = ["NONE", "AWS_IAM"];

/** A Lambda function a route can invoke: a {@link NodejsFunction}, or any `LambdaFunction` resource. */
export interface RouteFunction {
  /** Name of the function, used by the invoke permission. */
  readonly functionName: string;
  /** ARN API Gateway uses to invoke the function. */
  readonly invokeArn: string;
}

/** One route of an {@link HttpApi}. */
export interface HttpRouteProps {
  /** The function that answers the route. */
  readonly function: RouteFunction;
  /** How the route is authorized. @default the API's `defaultAuthorizationType` */
  readonly authorizationType?: AuthorizationType;
}

/** Which browser origins may call the API, and how (the API's CORS configuration). */
export interface HttpApiCors {
  /** Origins allowed to read responses, e.g. `https://app.example.com`. @default ["*"]: SigV4 credentials are not cookies, so any page still needs a signed-in user's credentials */
  readonly allowOrigins?: string[];
  /** Request headers browsers may send. @default the SigV4 headers and content-type */
  readonly allowHeaders?: string[];
  /** Methods browsers may use. @default the methods of the routes */
  readonly allowMethods?: string[];
  /** Seconds browsers may cache a preflight answer, from 0 to 86400. @default 3600 */
  readonly maxAge?: number;
}

/** Request rate limits of every route, applied by the `$default` stage. */
export interface HttpApiThrottle {
  /** Steady-state requests per second. @default 100 */
  readonly rateLimit?: number;
  /** Requests allowed in a burst. @default 200 */
  readonly burstLimit?: number;
}

/** The headers a browser sends on a SigV4-signed request, plus content-type. */
export const SIGV4_HEADERS: readonly string[] = Object.freeze(["authorization", "content-type", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]);

/**
 * What each access log line holds: one JSON object per request, with the caller's Cognito identity (if any).
 * Keys are API Gateway's `$context` variables for HTTP APIs.
 */
export const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = Object.freeze({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationError: "$context.integrationErrorMessage",
  userArn: "$context.identity.userArn",
  cognitoIdentityId: "$context.identity.cognitoIdentityId",
});

/** Properties of an {@link HttpApi}. */
export interface HttpApiProps {
  /** Physical name of the API. */
  readonly name: string;
  /**
   * Routes keyed by `"METHOD /path"` (or `$default`), each a function or {@link HttpRouteProps}.
   * Path segments are literals, `{param}` or a final `{proxy+}`.
   */
  readonly routes: Record<string, RouteFunction | HttpRouteProps>;
  /** Authorization of every route that does not set its own. @default "AWS_IAM" */
  readonly defaultAuthorizationType?: AuthorizationType;
  /** CORS configuration; `false` for none. @default the defaults of {@link HttpApiCors} */
  readonly cors?: HttpApiCors | false;
  /** Rate limits of every route. @default the defaults of {@link HttpApiThrottle} */
  readonly throttle?: HttpApiThrottle;
  /** Days CloudWatch keeps the access logs; one of `LOG_RETENTION_DAYS`. @default 14 */
  readonly accessLogRetentionInDays?: number;
  /** Settings for the API and its stage that override ours: the escape hatch. @default none */
  readonly cdk?: HttpApiOverrides;
}

/**
 * Settings passed through to the API and its stage, over the construct's own: the escape hatch.
 *
 * Keys the construct validates or derives from its props are refused with a {@link ValidationError} naming the prop
 * to set instead; every other key passes through.
 */
export interface HttpApiOverrides {
  /**
   * Settings of the `aws_apigatewayv2_api`. Refused: `name` (set `name`), `corsConfiguration` (set `cors`),
   * `protocolType` (always `HTTP`), and `routeKey`, `target` and `body`, which would define routes besides `routes`
   * and their authorization.
   */
  readonly api?: Partial<Apigatewayv2ApiConfig>;
  /**
   * Settings of the `$default` `aws_apigatewayv2_stage`. Refused: `accessLogSettings` (set `name` and
   * `accessLogRetentionInDays`: the stage logs to the construct's own log group), `defaultRouteSettings` (set
   * `throttle`), and `apiId`, `name`, `autoDeploy` and `deploymentId` (the stage is this API's automatically deployed
   * `$default`).
   */
  readonly stage?: Partial<Apigatewayv2StageConfig>;
}

/** What `cdk.api` may not set. */
const API_REFUSALS: Refusals<Apigatewayv2ApiConfig> = {
  name: "name",
  corsConfiguration: "cors",
  protocolType: { fixed: '"HTTP"', instead: "define an Apigatewayv2Api of your own for a WebSocket API" },
  routeKey: "routes",
  target: "routes",
  body: "routes",
};

/** Why `cdk.stage` may not re-point or re-deploy the stage. */
const DEFAULT_STAGE = { fixed: "this API's automatically deployed $default stage", instead: "define an Apigatewayv2Stage of your own for another stage" };

/** What `cdk.stage` may not set. */
const STAGE_REFUSALS: Refusals<Apigatewayv2StageConfig> = {
  accessLogSettings: "name and accessLogRetentionInDays",
  defaultRouteSettings: "throttle",
  apiId: DEFAULT_STAGE,
  name: DEFAULT_STAGE,
  autoDeploy: DEFAULT_STAGE,
  deploymentId: DEFAULT_STAGE,
};

/** The Terraform resources of one route. */
export interface HttpRouteResources {
  readonly route: Apigatewayv2Route;
  readonly integration: Apigatewayv2Integration;
  readonly permission: LambdaPermission;
}

/** The Terraform resources an {@link HttpApi} defines. */
export interface HttpApiResources {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  /** Where the stage writes one JSON line per request. */
  readonly accessLogGroup: CloudwatchLogGroup;
  /** Per route key. */
  readonly routes: Readonly<Record<string, HttpRouteResources>>;
  /**
   * Invoke policies written by {@link HttpApi.grantInvoke}, one per role: keyed by the construct path within its stack
   * for an `IamRole`, by the name for an {@link ExistingRole}.
   */
  readonly grants: Readonly<Record<string, IamRolePolicy>>;
}

/**
 * An API Gateway HTTP API whose routes invoke Lambda functions (payload format 2.0), served at the root of
 * its `$default` stage with automatic deployment, access logs, rate limits and an explicit CORS configuration.
 *
 * Routes use IAM authorization unless told otherwise. Each route's invoke permission names exactly that
 * route's ARN, and {@link grantInvoke} gives a role `execute-api:Invoke` on exact route ARNs only; grants to the
 * same role compose into one policy.
 */
export class HttpApi extends Construct {
  /** ID of the API. */
  readonly apiId: string;
  /** Base URL of the API, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com`. */
  readonly url: string;
  /** Execution ARN of the API, the prefix of its route ARNs. */
  readonly executionArn: string;
  /** The underlying Terraform resources. */
  readonly resources: HttpApiResources;

  private readonly routeAuthorization = new Map<string, { route: ParsedRouteKey; authorizationType: AuthorizationType }>();
  private readonly grants: Record<string, IamRolePolicy> = {};
  /** The route ARNs of each grant, in the order first granted; policy documents read them at synth. */
  private readonly grantedArns = new Map<string, { role: InvokeGrantee; arns: Set<string> }>();
  private readonly apiName: string;

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const defaultAuthorizationType = props.defaultAuthorizationType ?? "AWS_IAM";
    const rateLimit = props.throttle?.rateLimit ?? 100;
    const burstLimit = props.throttle?.burstLimit ?? 200;
    const accessLogRetentionInDays = props.accessLogRetentionInDays ?? 14;

    // The name also names the access log group, whose names allow no spaces.
    assertPhysicalName(props.name, /^[\w.-]+$/, 128, "API name", "letters, digits, dots, hyphens and underscores");
    assertOneOf(defaultAuthorizationType, AUTHORIZATION_TYPES, "default authorization type");
    refuseOverrides("cdk.api", props.cdk?.api, API_REFUSALS);
    refuseOverrides("cdk.stage", props.cdk?.stage, STAGE_REFUSALS);
    const routeKeys = Object.keys(props.routes);
    if (routeKeys.length === 0) {
      throw new ValidationError(`API ${quoted(props.name)} has no routes: expected at least one, e.g. { "GET /": fn }`);
    }
    const signatures = new Map<string, string>();
    for (const key of routeKeys) {
      const route = parseRouteKey(key);
      const clash = signatures.get(routeSignature(route));
      if (clash !== undefined) {
        throw new ValidationError(`duplicate route ${quoted(key)}: it matches the same requests as ${quoted(clash)}; expected each method and path once`);
      }
      signatures.set(routeSignature(route), key);
      const authorizationType = toRouteProps(props.routes[key]).authorizationType ?? defaultAuthorizationType;
      if (!AUTHORIZATION_TYPES.includes(authorizationType)) {
        throw new ValidationError(`invalid authorization type ${quoted(authorizationType)} for route ${quoted(key)}: expected one of ${AUTHORIZATION_TYPES.join(", ")}`);
      }
      this.routeAuthorization.set(key, { route, authorizationType });
    }

    assertIntegerInRange(rateLimit, 1, 10_000, "throttle rate limit (requests per second)");
    assertIntegerInRange(burstLimit, 1, 5_000, "throttle burst limit (requests)");
    assertLogRetention(accessLogRetentionInDays, "access log retention (days)");
    const cors = props.cors === false ? undefined : this.corsConfiguration(props.cors ?? {});

    const api = new Apigatewayv2Api(this, "Api", { name: props.name, protocolType: "HTTP", corsConfiguration: cors, ...props.cdk?.api });
    const accessLogGroup = new CloudwatchLogGroup(this, "AccessLogs", {
      name: accessLogGroupName(props.name),
      retentionInDays: accessLogRetentionInDays,
    });
    const stage = new Apigatewayv2Stage(this, "DefaultStage", {
      apiId: api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: { destinationArn: accessLogGroup.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) },
      defaultRouteSettings: { throttlingRateLimit: rateLimit, throttlingBurstLimit: burstLimit },
      ...props.cdk?.stage,
    });

    const routes: Record<string, HttpRouteResources> = {};
    for (const [key, { route, authorizationType }] of this.routeAuthorization) {
      const fn = toRouteProps(props.routes[key]).function;
      // Construct ids come from the route key, never from order: adding a route leaves the others untouched.
      const integration = new Apigatewayv2Integration(this, `${key} Integration`, {
        apiId: api.id,
        integrationType: "AWS_PROXY",
        integrationUri: fn.invokeArn,
        integrationMethod: "POST",
        payloadFormatVersion: "2.0",
      });
      routes[key] = {
        integration,
        route: new Apigatewayv2Route(this, `${key} Route`, {
          apiId: api.id,
          routeKey: key,
          authorizationType,
          target: `integrations/${integration.id}`,
        }),
        permission: new LambdaPermission(this, `${key} Permission`, {
          action: "lambda:InvokeFunction",
          functionName: fn.functionName,
          principal: "apigateway.amazonaws.com",
          sourceArn: routeArn(api.executionArn, route),
        }),
      };
    }

    this.apiName = props.name;
    this.apiId = api.id;
    this.url = api.apiEndpoint;
    this.executionArn = api.executionArn;
    this.resources = { api, stage, accessLogGroup, routes, grants: this.grants };
  }

  /** The route keys of this API, in the order they were given. */
  get routeKeys(): string[] {
    return [...this.routeAuthorization.keys()];
  }

  /** How the route `routeKey` is authorized; throws for a key this API does not have. */
  authorizationTypeOf(routeKey: string): AuthorizationType {
    return this.routeOf(routeKey).authorizationType;
  }

  /** The ARN of `routeKey` in every stage of this API, as IAM policies and invoke permissions name it. */
  routeArn(routeKey: string): string {
    return routeArn(this.executionArn, this.routeOf(routeKey).route);
  }

  /**
   * Lets `role` call the given routes (all AWS_IAM routes when none are named) by writing an inline policy that
   * allows `execute-api:Invoke` on exactly those routes' ARNs.
   *
   * Grants compose: call it any number of times for the same role (directly, or through
   * `CognitoAuth.attachPermissionsForAuthUsers`). Each call adds its routes' ARNs, once each and in the order first
   * granted, to the one policy and policy document this API has for that role, and returns that policy.
   *
   * `role` is an `IamRole`, whose grant is keyed by its construct path (construct ids `Invoke <path>` and
   * `Invoke <path> Document`), or an {@link ExistingRole}, whose grant is keyed by its name (construct ids
   * `Invoke <name>` and `Invoke <name> Document`), so the name must be a literal.
   *
   * Refuses routes with authorization NONE (a grant on them would mean nothing), an API without AWS_IAM routes, and
   * an existing role whose name is a token.
   */
  grantInvoke(role: InvokeGrantee, ...routeKeys: string[]): IamRolePolicy {
    const keys = routeKeys.length > 0 ? routeKeys : this.routeKeys.filter((key) => this.authorizationTypeOf(key) === "AWS_IAM");
    if (keys.length === 0) {
      throw new ValidationError(`cannot grant invoke on API "${this.node.path}": it has no AWS_IAM routes`);
    }
    for (const key of keys) {
      if (this.authorizationTypeOf(key) !== "AWS_IAM") {
        throw new ValidationError(`cannot grant invoke on route ${quoted(key)}: its authorization type is NONE; grants apply to AWS_IAM routes only`);
      }
    }
    const grantKey = this.grantKeyOf(role);
    const existing = this.grantedArns.get(grantKey);
    if (existing && existing.role !== role && (role instanceof IamRole || existing.role instanceof IamRole)) {
      throw new ValidationError(`cannot grant invoke to role "${grantKey}": an IamRole and an existing role both key their grants "${grantKey}" on this API`);
    }
    const arns = existing?.arns ?? new Set<string>();
    for (const key of keys) arns.add(this.routeArn(key));
    if (existing) return this.grants[grantKey];

    this.grantedArns.set(grantKey, { role, arns });
    const document = new DataAwsIamPolicyDocument(this, `Invoke ${grantKey} Document`, {
      // Read at synth, so later grants to the same role land in this one statement.
      statement: [{ effect: "Allow", actions: ["execute-api:Invoke"], resources: Lazy.listValue({ produce: () => [...arns] }) }],
    });
    const policy = new IamRolePolicy(this, `Invoke ${grantKey}`, {
      // Unique per API, so one role can hold grants on several APIs.
      name: inlinePolicyName("invoke", this.apiName),
      role: role instanceof IamRole ? role.id : role.name,
      policy: document.json,
    });
    this.grants[grantKey] = policy;
    return policy;
  }

  /**
   * What keys the grant of `role`: an IamRole's path inside its stack (stable when the stack is renamed, unique
   * within it), or an existing role's name, which must be literal because the grant's construct ids derive from it.
   */
  private grantKeyOf(role: InvokeGrantee): string {
    if (role instanceof IamRole) return role.node.path.slice(TerraformStack.of(role).node.path.length + 1);
    if (Token.isUnresolved(role.name)) {
      throw new ValidationError(
        "cannot grant invoke to an existing role whose name is a token: the grant's construct ids derive from the name, so a literal name is needed for a stable construct id; pass the IamRole itself, or its literal name",
      );
    }
    assertPhysicalName(role.name, /^[\w+=,.@-]+$/, 64, "role name", "letters, digits and +=,.@_-");
    return role.name;
  }

  /** The CORS configuration with defaults resolved: the SigV4 headers, and the methods the routes use. */
  private corsConfiguration(cors: HttpApiCors) {
    const maxAge = cors.maxAge ?? 3600;
    assertIntegerInRange(maxAge, 0, 86_400, "CORS max age (seconds)");
    const methods = [...this.routeAuthorization.values()].map(({ route }) => (route.method === "ANY" ? "*" : route.method ?? "*"));
    return {
      allowOrigins: cors.allowOrigins ?? ["*"],
      allowHeaders: cors.allowHeaders ?? [...SIGV4_HEADERS],
      allowMethods: cors.allowMethods ?? [...new Set(methods)].sort(),
      maxAge,
      allowCredentials: false,
    };
  }

  private routeOf(routeKey: string): { route: ParsedRouteKey; authorizationType: AuthorizationType } {
    const entry = this.routeAuthorization.get(routeKey);
    if (!entry) {
      throw new ValidationError(`unknown route ${quoted(routeKey)}: this API has ${this.routeKeys.map((key) => `${quoted(key)}`).join(", ")}`);
    }
    return entry;
  }
}

function toRouteProps(value: RouteFunction | HttpRouteProps): HttpRouteProps {
  return "function" in value ? value : { function: value };
}
