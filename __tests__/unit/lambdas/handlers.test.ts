import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from "aws-lambda";
import { handler as privateHandler } from "../../../lambdas/private";
import { handler as publicHandler } from "../../../lambdas/public";

/** A payload 2.0 event as API Gateway sends it for `GET /private` behind AWS_IAM. */
function privateEvent(iam: Record<string, unknown> | undefined): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: "2.0",
    routeKey: "GET /private",
    rawPath: "/private",
    rawQueryString: "",
    headers: { host: "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0" },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method: "GET", path: "/private", protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "curl/8.5.0" },
      requestId: "Yx1a2b3cIAMEJvg=",
      routeKey: "GET /private",
      stage: "$default",
      time: "26/Nov/2026:07:00:00 +0000",
      timeEpoch: 1795676400000,
      ...(iam === undefined ? {} : { authorizer: { iam } }),
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

const COGNITO_CALLER = {
  accessKey: "ASIAEXAMPLE",
  accountId: "123456789012",
  callerId: "AROAEXAMPLE:CognitoIdentityCredentials",
  cognitoIdentity: {
    amr: ["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_e8u3sktE1"],
    identityId: "us-east-1:6f4e594d-a6ca-4a24-b99b-760913a70a31",
    identityPoolId: "us-east-1:d01df859-f416-4dc2-90ac-0c6fc272d197",
  },
  principalOrgId: null,
  userArn: "arn:aws:sts::123456789012:assumed-role/api-auth-cognito-dev-use1-authenticated/CognitoIdentityCredentials",
  userId: "AROAEXAMPLE:CognitoIdentityCredentials",
};

/** The Lambda context fields the handlers read. */
const CONTEXT = { awsRequestId: "8f5c1d2e-0000-4000-8000-000000000001" } as Context;

/** Runs `call` and returns what it wrote to stdout, one parsed JSON object per line. */
async function logLines(call: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await call();
  } finally {
    write.mockRestore();
  }
  return written.join("").split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** Keeps the handlers' log lines out of the test output where a test does not read them. */
function silenceLogs(): void {
  let write: jest.SpyInstance;
  beforeEach(() => (write = jest.spyOn(process.stdout, "write").mockImplementation(() => true)));
  afterEach(() => write.mockRestore());
}

describe("GET /public", () => {
  silenceLogs();
  test("greets a stranger", async () => {
    const response = await publicHandler(undefined, CONTEXT);
    expect(response).toMatchObject({ statusCode: 200, body: "Hello stranger!" });
    expect(response.headers?.["content-type"]).toMatch(/^text\/plain/);
  });
});

describe("logs", () => {
  test("one JSON line per request, with the Lambda and API Gateway request ids", async () => {
    expect(await logLines(() => privateHandler(privateEvent(COGNITO_CALLER), CONTEXT))).toEqual([
      {
        level: "info",
        message: "greeted a caller",
        requestId: CONTEXT.awsRequestId,
        apiRequestId: "Yx1a2b3cIAMEJvg=",
        caller: COGNITO_CALLER.cognitoIdentity.identityId,
      },
    ]);
    expect(await logLines(() => publicHandler(undefined, CONTEXT))).toEqual([
      { level: "info", message: "greeted a stranger", requestId: CONTEXT.awsRequestId },
    ]);
  });

  test("a refused request is logged as a warning, still with its request id", async () => {
    const [line] = await logLines(() => privateHandler(privateEvent(undefined), CONTEXT));
    expect(line).toMatchObject({ level: "warn", requestId: CONTEXT.awsRequestId, apiRequestId: "Yx1a2b3cIAMEJvg=" });
  });
});

describe("GET /private", () => {
  silenceLogs();
  test("greets a signed-in Cognito user by identity id", async () => {
    expect(await privateHandler(privateEvent(COGNITO_CALLER))).toMatchObject({
      statusCode: 200,
      body: "Hello us-east-1:6f4e594d-a6ca-4a24-b99b-760913a70a31!",
    });
  });

  test("greets an IAM caller without a Cognito identity by caller ARN", async () => {
    const iamUser = { ...COGNITO_CALLER, cognitoIdentity: null, userArn: "arn:aws:iam::123456789012:user/ci" };
    expect(await privateHandler(privateEvent(iamUser))).toMatchObject({
      statusCode: 200,
      body: "Hello arn:aws:iam::123456789012:user/ci!",
    });
  });

  test("falls back to the caller ARN when the identity id is empty", async () => {
    const partial = { ...COGNITO_CALLER, cognitoIdentity: { amr: [], identityId: "" } };
    expect((await privateHandler(privateEvent(partial))).body).toBe(`Hello ${COGNITO_CALLER.userArn}!`);
  });

  test.each([
    ["no authorizer", privateEvent(undefined)],
    ["an IAM authorizer with no caller", privateEvent({})],
    ["no requestContext", { ...privateEvent(undefined), requestContext: undefined } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer],
    ["no event at all", undefined as unknown as APIGatewayProxyEventV2WithIAMAuthorizer],
    ["an authorizer that is a string", { ...privateEvent(undefined), requestContext: { authorizer: "iam" } } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer],
    ["odd headers and a null IAM caller", { ...privateEvent(null as never), headers: { "x-amz-date": ["a", "b"], "": "" } } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer],
  ])("answers 403 JSON, never throws, for %s", async (_what, event) => {
    const response = await privateHandler(event, CONTEXT);
    expect(response.statusCode).toBe(403);
    expect(response.headers?.["content-type"]).toBe("application/json");
    expect(JSON.parse(response.body!)).toEqual({ message: "Forbidden" });
  });
});
