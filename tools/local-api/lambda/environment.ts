import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { lambdaLogGroupName } from "../../../constructs/naming";
import { NODEJS_RUNTIME } from "../../../constructs/runtime";
import type { RunnableCode, SessionCredentials } from "./invocation";

/** The environment variables Lambda's Node.js runtime gives a function's process, rebuilt for a local process. */

/** What the local process adds to the function's configuration. */
export interface ProcessSetting {
  /** The directory the zip was unpacked in: Lambda's `/var/task`. */
  readonly taskRoot: string;
  /** The Node binary the process runs; its directory leads PATH, as `/var/lang/bin` does on Lambda. */
  readonly nodeBinary: string;
  /** Credentials of the function's role. @default none set */
  readonly credentials?: SessionCredentials;
  /** Where the SDK sends every request (`AWS_ENDPOINT_URL`). @default none set: the SDK's own endpoints */
  readonly endpointUrl?: string;
  /** The process's log stream. @default a new one, see {@link logStreamName} */
  readonly logStreamName?: string;
}

/**
 * The variables of one process of `code`: Lambda's unreserved defaults (LANG, PATH, TZ, NODE_PATH), which the
 * function's own variables may override, then the function's variables, then the reserved ones, which always win.
 */
export function lambdaEnvironment(code: RunnableCode, setting: ProcessSetting): Record<string, string> {
  const region = code.region ?? "us-east-1";
  const logging = code.loggingConfig;
  const json = jsonLogFormat(code);
  const credentials = setting.credentials;
  return {
    LANG: "en_US.UTF-8",
    PATH: `${dirname(setting.nodeBinary)}:/usr/local/bin:/usr/bin:/bin`,
    // Lambda's exact value; the leading colon names the zoneinfo file rather than a POSIX TZ rule.
    TZ: ":UTC",
    // Lambda's is layers, the runtime's node_modules and /var/task; there are no layers here, and the runtime's
    // node_modules (the AWS SDK) is served by the bootstrap's resolver, so that no other project package leaks in.
    NODE_PATH: setting.taskRoot,
    ...code.environment,
    _HANDLER: code.handler,
    LAMBDA_TASK_ROOT: setting.taskRoot,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${code.runtime ?? NODEJS_RUNTIME}`,
    AWS_LAMBDA_FUNCTION_NAME: code.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(code.memorySize ?? 128),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: logging?.LogGroup ?? lambdaLogGroupName(code.functionName),
    AWS_LAMBDA_LOG_STREAM_NAME: setting.logStreamName ?? logStreamName(),
    // Lambda sets these two only with the JSON format; the runtime reads them to format and filter console output.
    ...(json && { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: logging?.ApplicationLogLevel ?? "INFO" }),
    ...(credentials && {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken !== undefined && { AWS_SESSION_TOKEN: credentials.sessionToken }),
    }),
    ...(setting.endpointUrl !== undefined && { AWS_ENDPOINT_URL: setting.endpointUrl }),
  };
}

/** Whether `code` logs in the JSON format (`LoggingConfig.LogFormat`), rather than Text. */
export function jsonLogFormat(code: Pick<RunnableCode, "loggingConfig">): boolean {
  return code.loggingConfig?.LogFormat?.toUpperCase() === "JSON";
}

/** A new log stream name in Lambda's format, `YYYY/MM/DD/[$LATEST]<32 hex digits>`, dated `now` (UTC). */
export function logStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
}
