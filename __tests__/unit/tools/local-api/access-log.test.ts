import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACCESS_LOG_FORMAT } from "../../../../constructs/http-api";
import { ACCESS_LOG_PREFIX, accessLogWriter, contextVariables, renderAccessLog, RequestRecord } from "../../../../tools/local-api/access-log";

const PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123";

const PUBLIC: RequestRecord = {
  requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
  time: new Date("2026-03-04T05:06:07.089Z"),
  sourceIp: "127.0.0.1",
  userAgent: 'curl/8.5.0 "quoted"',
  httpMethod: "GET",
  path: "/public",
  protocol: "HTTP/1.1",
  routeKey: "GET /public",
  status: 200,
  responseLength: 17,
  apiId: "a1b2c3d4e5",
  stage: "$default",
  domainName: "127.0.0.1:3000",
  accountId: "123456789012",
  responseLatency: 12,
  integrationLatency: 10,
  integrationStatus: 200,
};

const PRIVATE: RequestRecord = {
  ...PUBLIC,
  path: "/private",
  routeKey: "GET /private",
  authorizerIam: {
    accessKey: "ASIAQ3EGUWBGALICE001",
    accountId: "123456789012",
    callerId: "api-auth-cognito-dev-use1-authenticated:CognitoIdentityCredentials",
    cognitoIdentity: { amr: ["authenticated", PROVIDER, `${PROVIDER}:CognitoSignIn:sub-1`], identityId: "us-east-1:id-1", identityPoolId: "us-east-1:pool-1" },
    principalOrgId: null,
    userArn: "arn:aws:sts::123456789012:assumed-role/api-auth-cognito-dev-use1-authenticated/CognitoIdentityCredentials",
    userId: "api-auth-cognito-dev-use1-authenticated:CognitoIdentityCredentials",
  },
};

const deployedFormat = JSON.stringify(ACCESS_LOG_FORMAT);

describe("renderAccessLog with the format HttpApi deploys", () => {
  test("a public request: every field filled, the missing ones `-`, and the line is JSON", () => {
    const line = JSON.parse(renderAccessLog(deployedFormat, contextVariables(PUBLIC)));
    expect(line).toEqual({
      requestId: PUBLIC.requestId,
      ip: "127.0.0.1",
      requestTime: "04/Mar/2026:05:06:07 +0000",
      routeKey: "GET /public",
      status: "200",
      responseLength: "17",
      integrationError: "-",
      userArn: "-",
      cognitoIdentityId: "-",
    });
  });

  test("a signed request names the caller's role session and Cognito identity", () => {
    const line = JSON.parse(renderAccessLog(deployedFormat, contextVariables(PRIVATE)));
    expect(line).toMatchObject({ userArn: PRIVATE.authorizerIam!.userArn, cognitoIdentityId: "us-east-1:id-1" });
  });

  test("a failed integration's message lands in integrationError, escaped so the line stays JSON", () => {
    const failed = { ...PUBLIC, status: 500, integrationStatus: undefined, integrationErrorMessage: 'Cannot read "x" of undefined\\n' };
    expect(JSON.parse(renderAccessLog(deployedFormat, contextVariables(failed))).integrationError).toBe('Cannot read "x" of undefined\\n');
  });
});

describe("renderAccessLog", () => {
  test("a CLF-style format, with the identity, method, protocol, epoch and latency variables", () => {
    const format = '$context.identity.sourceIp - $context.identity.caller [$context.requestTime] "$context.httpMethod $context.path $context.protocol" $context.status $context.responseLength $context.requestId $context.requestTimeEpoch $context.integrationLatency';
    expect(renderAccessLog(format, contextVariables(PRIVATE))).toBe(
      `127.0.0.1 - api-auth-cognito-dev-use1-authenticated:CognitoIdentityCredentials [04/Mar/2026:05:06:07 +0000] "GET /private HTTP/1.1" 200 17 ${PUBLIC.requestId} 1772600767089 10`,
    );
  });

  test("the Cognito variables of an authenticated caller", () => {
    const format = "$context.identity.cognitoAuthenticationType|$context.identity.cognitoAuthenticationProvider|$context.identity.cognitoIdentityPoolId|$context.identity.user|$context.identity.accountId";
    expect(renderAccessLog(format, contextVariables(PRIVATE))).toBe(
      `authenticated|${PROVIDER},${PROVIDER}:CognitoSignIn:sub-1|us-east-1:pool-1|api-auth-cognito-dev-use1-authenticated:CognitoIdentityCredentials|123456789012`,
    );
  });

  test("an answer API Gateway made itself: no route is `-`, its message in error.message", () => {
    const notFound = { ...PUBLIC, routeKey: undefined, status: 404, integrationLatency: undefined, integrationStatus: undefined, errorMessage: "Not Found" };
    expect(renderAccessLog("$context.routeKey $context.status $context.error.message $context.error.messageString $context.integrationStatus", contextVariables(notFound))).toBe(
      '- 404 Not Found \\"Not Found\\" -',
    );
  });

  test("text after a variable stays: a trailing dot or a longer dotted name keeps what is not the variable; unknown variables are `-`", () => {
    const variables = contextVariables(PUBLIC);
    expect(renderAccessLog("status=$context.status.", variables)).toBe("status=200.");
    expect(renderAccessLog("$context.status.extra", variables)).toBe("200.extra");
    expect(renderAccessLog("$context.authorizer.claims.sub $context.nope", variables)).toBe("- -");
    expect(renderAccessLog("$context.stage $context.apiId $context.domainPrefix", variables)).toBe("$default a1b2c3d4e5 127");
  });
});

describe("accessLogWriter", () => {
  test("with neither onAccessLog nor a file, lines go to the handlers' sink, prefixed and tagged with the request id", () => {
    const seen: [string, unknown][] = [];
    accessLogWriter({ onLog: (line, tag) => seen.push([line, tag]) })("{}", "req-1");
    expect(seen).toEqual([[`${ACCESS_LOG_PREFIX}{}`, { requestId: "req-1", stream: "stdout" }]]);
    expect(() => accessLogWriter({})("{}", "req-1")).not.toThrow();
  });

  test("onAccessLog receives the bare line, the file gets it appended with a newline, and the handlers' sink nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-log-"));
    try {
      const file = join(dir, "access.log");
      const lines: string[] = [];
      const handlerLines: string[] = [];
      const write = accessLogWriter({ onAccessLog: (line) => lines.push(line), accessLogFile: file, onLog: (line) => handlerLines.push(line) });
      write("one", "r1");
      write("two", "r2");
      expect(lines).toEqual(["one", "two"]);
      expect(readFileSync(file, "utf8")).toBe("one\ntwo\n");
      expect(handlerLines).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
