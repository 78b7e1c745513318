import { buildEvent, EventInput, isTextContentType, mapResponse } from "../../../../tools/local-api/payload-v2";

const TIME = new Date("2022-04-10T13:30:05.529Z");

const input = (overrides: Partial<EventInput> = {}): EventInput => ({
  method: "GET",
  rawPath: "/public",
  rawQueryString: "",
  headers: ["Host", "abc123.execute-api.us-east-1.amazonaws.com", "User-Agent", "curl/8.5.0"],
  body: Buffer.alloc(0),
  routeKey: "GET /public",
  requestId: "req-1",
  sourceIp: "127.0.0.1",
  apiId: "abc123",
  accountId: "123456789012",
  domainName: "abc123.execute-api.us-east-1.amazonaws.com",
  time: TIME,
  ...overrides,
});

describe("buildEvent", () => {
  test("a plain GET: the whole event, fields AWS leaves out when empty left out", () => {
    expect(buildEvent(input())).toEqual({
      version: "2.0",
      routeKey: "GET /public",
      rawPath: "/public",
      rawQueryString: "",
      headers: { host: "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8.5.0" },
      requestContext: {
        accountId: "123456789012",
        apiId: "abc123",
        domainName: "abc123.execute-api.us-east-1.amazonaws.com",
        domainPrefix: "abc123",
        http: { method: "GET", path: "/public", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "curl/8.5.0" },
        requestId: "req-1",
        routeKey: "GET /public",
        stage: "$default",
        time: "10/Apr/2022:13:30:05 +0000",
        timeEpoch: 1649597405529,
      },
      isBase64Encoded: false,
    });
  });

  test("cookies leave the headers and arrive one per entry, from every Cookie header", () => {
    const event = buildEvent(input({ headers: ["Cookie", "a=1; b=2", "Accept", "*/*", "cookie", "c=3"] }));
    expect(event.cookies).toEqual(["a=1", "b=2", "c=3"]);
    expect(event.headers).toEqual({ accept: "*/*" });
  });

  test("header names are lower-cased and repeated headers joined with commas (raw headers or an object)", () => {
    expect(buildEvent(input({ headers: ["X-Multi", "one", "x-multi", "two", "X-Single", "s"] })).headers).toEqual({ "x-multi": "one,two", "x-single": "s" });
    expect(buildEvent(input({ headers: { "X-Multi": ["one", "two"], accept: "*/*", absent: undefined } })).headers).toEqual({ "x-multi": "one,two", accept: "*/*" });
  });

  test("query strings: raw kept as received, parameters decoded with repeated names joined by commas", () => {
    const event = buildEvent(input({ rawQueryString: "a=1&b=x%20y&a=2&empty=" }));
    expect(event.rawQueryString).toBe("a=1&b=x%20y&a=2&empty=");
    expect(event.queryStringParameters).toEqual({ a: "1,2", b: "x y", empty: "" });
    expect(buildEvent(input()).queryStringParameters).toBeUndefined();
  });

  test.each([
    ["application/json", false],
    ["application/json; charset=utf-8", false],
    ["text/plain", false],
    ["application/xml", false],
    ["application/octet-stream", true],
    ["application/x-www-form-urlencoded", true],
    ["image/png", true],
    [undefined, true],
  ])("a body of content type %s is base64-encoded: %s", (contentType, encoded) => {
    const body = Buffer.from([0x7b, 0x22, 0xff, 0x00]);
    const headers = contentType ? ["Content-Type", contentType] : [];
    const event = buildEvent(input({ method: "POST", headers, body }));
    expect(event.isBase64Encoded).toBe(encoded);
    expect(event.body).toBe(encoded ? body.toString("base64") : body.toString("utf8"));
    expect(isTextContentType(contentType)).toBe(!encoded);
  });

  test("an empty body is left out and not encoded", () => {
    const event = buildEvent(input({ headers: ["Content-Type", "application/octet-stream"] }));
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  test("path parameters, stage, and the IAM caller of an AWS_IAM route", () => {
    const iam = {
      accessKey: "ASIAEXAMPLE",
      accountId: "123456789012",
      callerId: "AROAEXAMPLE:CognitoIdentityCredentials",
      cognitoIdentity: { amr: ["authenticated"], identityId: "us-east-1:abc", identityPoolId: "us-east-1:pool" },
      principalOrgId: null,
      userArn: "arn:aws:sts::123456789012:assumed-role/auth/CognitoIdentityCredentials",
      userId: "AROAEXAMPLE:CognitoIdentityCredentials",
    };
    const event = buildEvent(input({ routeKey: "GET /items/{id}", rawPath: "/items/7", pathParameters: { id: "7" }, authorizerIam: iam, stage: "dev" }));
    expect(event.pathParameters).toEqual({ id: "7" });
    expect(event.requestContext.authorizer).toEqual({ iam });
    expect(event.requestContext.stage).toBe("dev");
    expect(buildEvent(input({ pathParameters: {} })).pathParameters).toBeUndefined();
    expect(buildEvent(input()).requestContext.authorizer).toBeUndefined();
  });

  test("a request without a user agent has an empty userAgent", () => {
    expect(buildEvent(input({ headers: [] })).requestContext.http.userAgent).toBe("");
  });
});

describe("mapResponse", () => {
  const text = (response: ReturnType<typeof mapResponse>) => ({ ...response, body: response.body.toString("utf8") });
  const JSON_TYPE = { "content-type": "application/json" };

  test.each<[string, Parameters<typeof mapResponse>[0], { statusCode: number; headers: Record<string, string | string[]>; body: string }]>([
    [
      "a structured response",
      { kind: "ok", result: { statusCode: 201, headers: { "Content-Type": "text/plain", "X-Count": 3 }, body: "made" } },
      { statusCode: 201, headers: { "content-type": "text/plain", "x-count": "3" }, body: "made" },
    ],
    [
      "cookies become set-cookie headers",
      { kind: "ok", result: { statusCode: 200, cookies: ["a=1; Secure", "b=2"], body: "" } },
      { statusCode: 200, headers: { "set-cookie": ["a=1; Secure", "b=2"] }, body: "" },
    ],
    ["a base64 body is decoded", { kind: "ok", result: { statusCode: 200, body: Buffer.from("bin").toString("base64"), isBase64Encoded: true } }, { statusCode: 200, headers: {}, body: "bin" }],
    ["a status code without a body", { kind: "ok", result: { statusCode: 204 } }, { statusCode: 204, headers: {}, body: "" }],
    ["a string, as is", { kind: "ok", result: "Hello from Lambda!" }, { statusCode: 200, headers: JSON_TYPE, body: "Hello from Lambda!" }],
    ["an object without statusCode, as JSON", { kind: "ok", result: { message: "hi" } }, { statusCode: 200, headers: JSON_TYPE, body: '{"message":"hi"}' }],
    ["an array, as JSON", { kind: "ok", result: [1, 2] }, { statusCode: 200, headers: JSON_TYPE, body: "[1,2]" }],
    ["a number, as JSON", { kind: "ok", result: 42 }, { statusCode: 200, headers: JSON_TYPE, body: "42" }],
    ["null, as JSON", { kind: "ok", result: null }, { statusCode: 200, headers: JSON_TYPE, body: "null" }],
    ["a function error is a 500", { kind: "error", errorType: "Error", errorMessage: "boom" }, { statusCode: 500, headers: JSON_TYPE, body: '{"message":"Internal Server Error"}' }],
    ["a timeout is a 503", { kind: "timeout" }, { statusCode: 503, headers: JSON_TYPE, body: '{"message":"Service Unavailable"}' }],
    ["the function's content-length and transfer-encoding give way to the server's framing", { kind: "ok", result: { statusCode: 200, headers: { "Content-Length": "999", "Transfer-Encoding": "chunked" }, body: "ok" } }, { statusCode: 200, headers: {}, body: "ok" }],
    ["multiValueHeaders, a payload 1.0 field, are ignored whatever they hold", { kind: "ok", result: { statusCode: 200, multiValueHeaders: { "x-a": [{}, "b\r\nc"], "bad name": 1 }, body: "ok" } }, { statusCode: 200, headers: {}, body: "ok" }],
  ])("%s", (_name, result, expected) => {
    expect(text(mapResponse(result))).toEqual(expected);
  });

  const INTERNAL = { statusCode: 500, headers: JSON_TYPE, body: '{"message":"Internal Server Error"}' };
  test.each<[string, Record<string, unknown>, RegExp]>([
    ["a statusCode that is a string", { statusCode: "200" }, /^statusCode "200": expected a whole number from 100 to 599$/],
    ["a statusCode out of range", { statusCode: 700 }, /^statusCode 700: expected/],
    ["a statusCode that is not whole", { statusCode: 200.5 }, /^statusCode 200.5: expected/],
    ["a header value with CRLF", { statusCode: 200, headers: { "x-echo": "a\r\nset-cookie: x=1" } }, /^header "x-echo": "a\\r\\nset-cookie: x=1" is not a valid HTTP header/],
    ["a header name with a space", { statusCode: 200, headers: { "bad name": "v" } }, /^header "bad name": "v" is not a valid HTTP header/],
    ["a header value with a NUL", { statusCode: 200, headers: { "x-a": "a\u0000b" } }, /is not a valid HTTP header/],
    ["a header value that is an object", { statusCode: 200, headers: { "x-a": { nested: true } } }, /^header "x-a" has the value .*: expected a string$/],
    ["headers that are a list", { statusCode: 200, headers: ["x-a", "b"] }, /^headers .*: expected an object of names and values$/],
    ["headers that are a string", { statusCode: 200, headers: "x-a: b" }, /^headers "x-a: b": expected an object/],
    ["a cookie with CRLF", { statusCode: 200, cookies: ["a=1\r\nx-injected: 1"] }, /^header "set-cookie": .* is not a valid HTTP header/],
    ["cookies that are not a list", { statusCode: 200, cookies: "a=1" }, /^cookies "a=1": expected a list of strings$/],
    ["a cookie that is an object", { statusCode: 200, cookies: [{ a: 1 }] }, /^cookie 0 has the value/],
    ["a base64 body that is not base64", { statusCode: 200, body: "not base64!", isBase64Encoded: true }, /^body "not base64!": isBase64Encoded is true but it is not base64$/],
  ])("a malformed response is API Gateway's 500, saying why: %s", (_name, result, why) => {
    const response = mapResponse({ kind: "ok", result });
    expect(text({ ...response, malformed: undefined })).toEqual({ ...INTERNAL, malformed: undefined });
    expect(response.malformed).toMatch(why);
    // One line, whatever the function put in it.
    expect(response.malformed).not.toMatch(/[\r\n]/);
  });

  test("a throttled invocation (Lambda's TooManyRequestsException) is API Gateway's 500, not a 429", () => {
    expect(text(mapResponse({ kind: "error", errorType: "TooManyRequestsException", errorMessage: "Rate Exceeded." }))).toEqual(INTERNAL);
  });
});
