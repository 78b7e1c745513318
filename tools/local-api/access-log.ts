import { appendFileSync } from "node:fs";
import type { LogSink } from "./lambda/invocation";
import { IamAuthorizer, requestTime } from "./payload-v2";

/**
 * A stage's access log, written locally: one line per request in the stage's own `AccessLogSettings.Format`, with
 * API Gateway's `$context.*` variables for HTTP APIs substituted ("Customizing HTTP API access logs", API Gateway
 * developer guide). A variable without a value becomes `-`, as in AWS; values are escaped for a JSON string (quotes
 * and backslashes), so a JSON format such as the one constructs/http-api.ts deploys stays parseable.
 */

/** What happened to one request, as the server saw it. */
export interface RequestRecord {
  readonly requestId: string;
  /** When the request arrived. */
  readonly time: Date;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly httpMethod: string;
  /** The request path, without the query string. */
  readonly path: string;
  /** `HTTP/1.1`. */
  readonly protocol: string;
  /** The route that took the request; `undefined` when none did (written `-`). */
  readonly routeKey?: string;
  readonly status: number;
  /** Bytes of the response body. */
  readonly responseLength: number;
  readonly apiId: string;
  readonly stage: string;
  readonly domainName: string;
  readonly accountId: string;
  /** Milliseconds from arrival to the response. */
  readonly responseLatency: number;
  /** Milliseconds the integration took; `undefined` when it was not called. */
  readonly integrationLatency?: number;
  /** The status the integration answered with. */
  readonly integrationStatus?: number;
  /** Why the integration failed (a function error or timeout). */
  readonly integrationErrorMessage?: string;
  /** The message of an answer API Gateway made itself (`Not Found`, `Forbidden`, `Too Many Requests`). */
  readonly errorMessage?: string;
  /** The caller of an `AWS_IAM` route. */
  readonly authorizerIam?: IamAuthorizer;
}

/** Receives each access log line. */
export type AccessLogSink = (line: string) => void;

/** What prefixes access log lines written to the handlers' log sink, to tell them from handler output. */
export const ACCESS_LOG_PREFIX = "[access] ";

/** The `$context` variables of a request, keyed by name without `$context.`. */
export function contextVariables(record: RequestRecord): Readonly<Record<string, string | number | undefined>> {
  const iam = record.authorizerIam;
  const amr = iam?.cognitoIdentity?.amr ?? [];
  return {
    requestId: record.requestId,
    extendedRequestId: record.requestId,
    accountId: record.accountId,
    apiId: record.apiId,
    stage: record.stage,
    domainName: record.domainName,
    domainPrefix: record.domainName.split(".")[0],
    httpMethod: record.httpMethod,
    path: record.path,
    protocol: record.protocol,
    routeKey: record.routeKey,
    status: record.status,
    responseLength: record.responseLength,
    responseLatency: record.responseLatency,
    requestTime: requestTime(record.time),
    requestTimeEpoch: record.time.getTime(),
    "identity.sourceIp": record.sourceIp,
    "identity.userAgent": record.userAgent,
    "identity.accountId": iam?.accountId,
    "identity.caller": iam?.callerId,
    "identity.user": iam?.userId,
    "identity.userArn": iam?.userArn,
    "identity.principalOrgId": iam?.principalOrgId ?? undefined,
    "identity.cognitoIdentityId": iam?.cognitoIdentity?.identityId,
    "identity.cognitoIdentityPoolId": iam?.cognitoIdentity?.identityPoolId,
    "identity.cognitoAuthenticationType": amr[0],
    // As in REST APIs' `cognitoAuthenticationProvider`: the provider, then the sign-in of the user.
    "identity.cognitoAuthenticationProvider": amr.length > 2 ? `${amr[1]},${amr[2]}` : undefined,
    integrationErrorMessage: record.integrationErrorMessage,
    "integration.error": record.integrationErrorMessage,
    integrationLatency: record.integrationLatency,
    "integration.latency": record.integrationLatency,
    integrationStatus: record.integrationStatus,
    "integration.integrationStatus": record.integrationStatus,
    "integration.status": record.integrationStatus,
    "error.message": record.errorMessage,
    "error.messageString": record.errorMessage === undefined ? undefined : JSON.stringify(record.errorMessage),
  };
}

/** `$context.` and a dotted name. */
const VARIABLE = /\$context\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)/g;

/**
 * `format` with every `$context.<name>` replaced by its value in `variables`. A name that is not a variable but
 * starts with one (`$context.status.x`) keeps the rest as text; an unknown variable (the `authorizer.*` values of
 * Lambda and JWT authorizers, which this API has none of) becomes `-`.
 */
export function renderAccessLog(format: string, variables: Readonly<Record<string, string | number | undefined>>): string {
  return format.replace(VARIABLE, (_match, name: string) => {
    const parts = name.split(".");
    for (let length = parts.length; length > 0; length--) {
      const candidate = parts.slice(0, length).join(".");
      if (candidate in variables) return escaped(variables[candidate]) + parts.slice(length).map((part) => `.${part}`).join("");
    }
    return "-";
  });
}

function escaped(value: string | number | undefined): string {
  if (value === undefined || value === "") return "-";
  return JSON.stringify(String(value)).slice(1, -1);
}

/** Where access log lines go. */
export interface AccessLogOutputs {
  /** Receives each line. */
  readonly onAccessLog?: AccessLogSink;
  /** A file each line is appended to. */
  readonly accessLogFile?: string;
  /** The handlers' log sink: the lines go there, prefixed with {@link ACCESS_LOG_PREFIX}, when neither of the above is set. */
  readonly onLog?: LogSink;
}

/**
 * The writer of access log lines for these outputs: to `onAccessLog` and/or `accessLogFile`, else to `onLog`
 * prefixed, else nowhere. The file is appended to synchronously, so a line is on disk before its response is sent.
 */
export function accessLogWriter(outputs: AccessLogOutputs): (line: string, requestId: string) => void {
  const { onAccessLog, accessLogFile, onLog } = outputs;
  if (onAccessLog === undefined && accessLogFile === undefined) {
    return (line, requestId) => onLog?.(ACCESS_LOG_PREFIX + line, { requestId, stream: "stdout" });
  }
  return (line) => {
    onAccessLog?.(line);
    if (accessLogFile !== undefined) appendFileSync(accessLogFile, `${line}\n`);
  };
}
