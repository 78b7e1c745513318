import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction, LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { ARCHIVE_FILE_MODE, bundleHandler } from "./bundle";
import type { ExistingRole } from "./iam";
import { assertLogRetention } from "./log-retention";
import { NODEJS_RUNTIME, NODEJS_RUNTIMES, NodejsRuntime, providerAcceptsRuntime } from "./runtime";
import { assertPhysicalName, inlinePolicyName, lambdaLogGroupName } from "./naming";
import { refuseOverrides, Refusals } from "./overrides";
import { assertIntegerInRange, assertOneOf, assertPolicyArn, quoted, ValidationError } from "./validation";


/** Properties of a {@link NodejsFunction}. */
export interface NodejsFunctionProps {
  /** The handler file, `.ts` or `.js`, absolute or relative to the working directory (the project root under cdktf). */
  readonly entry: string;
  /** Physical name of the function; also names its IAM role and its log group `/aws/lambda/<name>`. */
  readonly functionName: string;
  /** Name of the handler function the entry file exports. @default "handler" */
  readonly handler?: string;
  /** Memory for the function, in MiB, from 128 to 10240. @default 256 */
  readonly memorySize?: number;
  /** Time the function may run, in seconds, from 1 to 900. @default 10 */
  readonly timeout?: number;
  /** Environment variables of the function. @default none */
  readonly environment?: Record<string, string>;
  /** Days CloudWatch keeps the function's logs; one of `LOG_RETENTION_DAYS`. @default 14 */
  readonly logRetentionInDays?: number;
  /**
   * The Lambda runtime, one of `NODEJS_RUNTIMES`; esbuild bundles the handler for its Node.js version. The AWS
   * provider of the bindings must accept it (`nodejs24.x`: hashicorp/aws 6.19.0 or newer), or the synth stops.
   * @default "nodejs22.x" (`NODEJS_RUNTIME`)
   */
  readonly runtime?: NodejsRuntime;
  /** Instruction set of the function. @default "arm64" */
  readonly architecture?: "arm64" | "x86_64";
  /**
   * Send traces to AWS X-Ray. Off by default because X-Ray's write actions cannot be scoped to a resource:
   * turning it on adds `xray:PutTraceSegments` and `xray:PutTelemetryRecords` on `*` to the function's role.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Run as this existing role instead of a new one, e.g. a role your platform team manages. The construct still
   * attaches its inline policy that lets the function write to its own log group. @default a new role
   */
  readonly role?: ExistingRole;
  /**
   * Name of the new role. IAM names are global to an account, so a function deployed to two regions of one account
   * needs one per region (the app adds a region code: `api-auth-cognito-dev-use1-public`). Refused with `role`.
   * @default the function name
   */
  readonly roleName?: string;
  /**
   * ARN of a managed policy that bounds the new role's permissions (its permissions boundary), such as the one a
   * deployment pipeline requires of every role it creates. Refused with `role`. @default none
   */
  readonly permissionsBoundary?: string;
  /** Settings for the Lambda function that override ours: the escape hatch. @default none */
  readonly cdk?: NodejsFunctionOverrides;
}

/**
 * Settings passed through to the Lambda function, over the construct's own: the escape hatch.
 *
 * Keys the construct validates or derives from its props are refused with a {@link ValidationError} naming the prop
 * to set instead; every other key passes through.
 */
export interface NodejsFunctionOverrides {
  /**
   * Settings of the `aws_lambda_function`. Refused: `functionName` (set `functionName`), `role` (set `role`),
   * `handler` (set `handler`), `memorySize` (set `memorySize`), `timeout` (set `timeout`), `architectures` (set
   * `architecture`), `environment` (set `environment`), `tracingConfig` (set `tracing`, which also grants the X-Ray
   * actions), `loggingConfig` (set `functionName` and `logRetentionInDays`: the function logs JSON to its own log
   * group, the only one its role may write to), `filename`, `sourceCodeHash`, `s3Bucket`, `s3Key`, `s3ObjectVersion`,
   * `imageUri` and `packageType` (set `entry`: the code is the bundle of the entry file), and `runtime` (set `runtime`:
   * the bundle targets its Node.js version).
   */
  readonly function?: Partial<LambdaFunctionConfig>;
}

/** What `cdk.function` may not set. */
const FUNCTION_REFUSALS: Refusals<LambdaFunctionConfig> = {
  functionName: "functionName",
  role: "role",
  handler: "handler",
  memorySize: "memorySize",
  timeout: "timeout",
  architectures: "architecture",
  environment: "environment",
  tracingConfig: "tracing",
  loggingConfig: "functionName and logRetentionInDays",
  filename: "entry",
  sourceCodeHash: "entry",
  s3Bucket: "entry",
  s3Key: "entry",
  s3ObjectVersion: "entry",
  imageUri: "entry",
  packageType: "entry",
  runtime: "runtime",
};

/** The Terraform resources a {@link NodejsFunction} defines. */
export interface NodejsFunctionResources {
  readonly function: LambdaFunction;
  /** The role this construct created; absent when an existing role was given. */
  readonly role?: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly logPolicy: IamRolePolicy;
  readonly asset: TerraformAsset;
  readonly archive: DataArchiveFile;
}

const FUNCTION_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * A Node.js Lambda function bundled from a TypeScript handler file.
 *
 * At synth time esbuild bundles the entry into one minified `index.js`; a Terraform asset copies it into the
 * stack's output directory (a relative path, so `cdktf.out` works from any checkout) and the archive provider's
 * `archive_file` zips it with every file's mode set to 0644 (`output_file_mode`), so the same sources give the same
 * zip, and the same `source_code_hash`, on every machine whatever its umask. The function runs on `nodejs22.x` (arm64)
 * unless `runtime` names another,
 * logs JSON to its own log group with a retention period, and its role may write to that log group and nothing else.
 */
export class NodejsFunction extends Construct {
  /** Physical name of the function. */
  readonly functionName: string;
  /** ARN of the function. */
  readonly functionArn: string;
  /** ARN API Gateway uses to invoke the function. */
  readonly invokeArn: string;
  /** ARN of the function's execution role. */
  readonly roleArn: string;
  /** Name of the function's execution role: attach more permissions to it. */
  readonly roleName: string;
  /** The underlying Terraform resources. */
  readonly resources: NodejsFunctionResources;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const handler = props.handler ?? "handler";
    const memorySize = props.memorySize ?? 256;
    const timeout = props.timeout ?? 10;
    const logRetentionInDays = props.logRetentionInDays ?? 14;
    const architecture = props.architecture ?? "arm64";
    const tracing = props.tracing ?? false;
    const runtime = props.runtime ?? NODEJS_RUNTIME;

    assertPhysicalName(props.functionName, FUNCTION_NAME, 64, "function name", "letters, digits, hyphens and underscores");
    if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(handler)) {
      throw new ValidationError(`invalid handler ${quoted(handler)}: expected the name of an exported function, such as handler`);
    }
    assertIntegerInRange(memorySize, 128, 10240, "memory size (MiB)");
    assertIntegerInRange(timeout, 1, 900, "timeout (seconds)");
    assertLogRetention(logRetentionInDays, "log retention (days)");
    assertOneOf(architecture, ["arm64", "x86_64"], "architecture");
    assertOneOf(runtime, Object.keys(NODEJS_RUNTIMES), "runtime");
    refuseOverrides("cdk.function", props.cdk?.function, FUNCTION_REFUSALS);

    const asset = new TerraformAsset(this, "Bundle", { path: bundleHandler(props.entry, runtime), type: AssetType.DIRECTORY });
    const archive = new DataArchiveFile(this, "Archive", {
      type: "zip",
      sourceDir: asset.path,
      outputPath: `${asset.path}.zip`,
      outputFileMode: ARCHIVE_FILE_MODE,
    });

    const logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: lambdaLogGroupName(props.functionName),
      retentionInDays: logRetentionInDays,
    });

    if (props.role && props.roleName !== undefined) {
      throw new ValidationError(`roleName ${quoted(props.roleName)} names a new role: with role ${quoted(props.role.name)}, the function runs as that role`);
    }
    if (props.roleName !== undefined) assertPhysicalName(props.roleName, /^[\w+=,.@-]+$/, 64, "role name", "letters, digits and +=,.@_-");
    if (props.role && props.permissionsBoundary !== undefined) {
      throw new ValidationError(`permissionsBoundary ${quoted(props.permissionsBoundary)} bounds a new role: with role ${quoted(props.role.name)}, set the boundary where that role is defined`);
    }
    if (props.permissionsBoundary !== undefined) assertPolicyArn(props.permissionsBoundary, "permissions boundary");
    const role = props.role ? undefined : this.newRole(props.roleName ?? props.functionName, props.permissionsBoundary);
    const roleArn = props.role?.arn ?? role!.arn;
    const roleName = props.role?.name ?? role!.name;

    const logAccess = new DataAwsIamPolicyDocument(this, "LogPolicyDocument", {
      statement: [
        { effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup.arn}:*`] },
        // X-Ray has no resource-level permissions: "*" is the only resource these actions accept.
        ...(tracing ? [{ effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] }] : []),
      ],
    });
    const logPolicy = new IamRolePolicy(this, "LogPolicy", { name: inlinePolicyName("write-logs", props.functionName), role: roleName, policy: logAccess.json });

    const fn = new LambdaFunction(this, "Function", {
      functionName: props.functionName,
      role: roleArn,
      runtime,
      architectures: [architecture],
      handler: `index.${handler}`,
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      memorySize,
      timeout,
      environment: props.environment ? { variables: props.environment } : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      tracingConfig: tracing ? { mode: "Active" } : undefined,
      // logging_config already waits for the log group; wait for the permission to write to it as well.
      dependsOn: [logPolicy],
      ...props.cdk?.function,
    });

    assertProviderAccepts(runtime, fn.terraformGeneratorMetadata?.providerVersion);

    this.functionName = fn.functionName;
    this.functionArn = fn.arn;
    this.invokeArn = fn.invokeArn;
    this.roleArn = roleArn;
    this.roleName = roleName;
    this.resources = { function: fn, role, logGroup, logPolicy, asset, archive };
  }

  /** A role only Lambda may assume. */
  private newRole(name: string, permissionsBoundary: string | undefined): IamRole {
    const assumeRole = new DataAwsIamPolicyDocument(this, "AssumeRolePolicy", {
      statement: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] }],
    });
    // Renamed, the new role is in place before the old one goes: the function never runs as a deleted role.
    return new IamRole(this, "Role", { name, assumeRolePolicy: assumeRole.json, permissionsBoundary, lifecycle: { createBeforeDestroy: true } });
  }
}

/**
 * Throws a {@link ValidationError} when the AWS provider the bindings were generated for (`providerVersion`, from the
 * function's own generator metadata) cannot create functions on `runtime`: `terraform validate` would refuse it later.
 */
function assertProviderAccepts(runtime: NodejsRuntime, providerVersion: string | undefined): void {
  if (providerAcceptsRuntime(runtime, providerVersion)) return;
  throw new ValidationError(
    `runtime ${quoted(runtime)} needs hashicorp/aws ${NODEJS_RUNTIMES[runtime].minimumProvider} or newer, and these bindings are for ${providerVersion}: ` +
      `move to provider 6's bindings first (MIGRATING.md, "Node.js 22 on Lambda ends"), or keep ${NODEJS_RUNTIME}`,
  );
}
