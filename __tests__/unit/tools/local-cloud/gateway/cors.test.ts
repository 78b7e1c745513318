import { CORS_MAX_AGE, corsHeaders, isPreflight, preflightAllowance } from "../../../../../tools/local-cloud/gateway/cors";

/** What Chromium asks before Amplify v6's SignUp from a page on localhost. */
const AMPLIFY = "amz-sdk-invocation-id,amz-sdk-request,cache-control,content-type,x-amz-target,x-amz-user-agent";

describe("isPreflight", () => {
  test("is OPTIONS with Origin and Access-Control-Request-Method", () => {
    expect(isPreflight("OPTIONS", { origin: "http://localhost:5173", "access-control-request-method": "POST" })).toBe(true);
    expect(isPreflight("OPTIONS", { origin: "http://localhost:5173" })).toBe(false);
    expect(isPreflight("OPTIONS", { "access-control-request-method": "POST" })).toBe(false);
    expect(isPreflight("POST", { origin: "http://localhost:5173", "access-control-request-method": "POST" })).toBe(false);
  });
});

describe("corsHeaders", () => {
  test("name the page, vary by Origin and expose what Cognito, Lambda and S3 clients read", () => {
    const headers = corsHeaders("http://localhost:5173");
    expect(headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(headers.vary).toBe("Origin");
    expect(headers["access-control-expose-headers"].split(",")).toEqual(
      expect.arrayContaining(["x-amzn-RequestId", "x-amzn-ErrorType", "x-amzn-ErrorMessage", "Date", "x-amz-function-error", "x-amz-request-id", "ETag"]),
    );
    expect(headers).not.toHaveProperty("access-control-allow-credentials");
  });
});

describe("preflightAllowance", () => {
  const preflight = (method: string, requested?: string) => ({
    origin: "http://localhost:5173",
    "access-control-request-method": method,
    ...(requested === undefined ? {} : { "access-control-request-headers": requested }),
  });

  test("allows Amplify's Cognito calls, echoing the method and headers asked for", () => {
    expect(preflightAllowance(preflight("POST", AMPLIFY))).toEqual({
      allowed: { "access-control-allow-methods": "POST", "access-control-allow-headers": AMPLIFY, "access-control-max-age": String(CORS_MAX_AGE) },
    });
  });

  test.each([
    ["a SigV4-signed S3 upload", "PUT", "authorization,content-md5,content-type,x-amz-checksum-crc32,x-amz-content-sha256,x-amz-date,x-amz-meta-owner,x-amz-sdk-checksum-algorithm,x-amz-security-token,x-amz-user-agent"],
    ["a Lambda invoke", "POST", "authorization,content-type,x-amz-client-context,x-amz-date,x-amz-invocation-type,x-amz-log-type,x-amz-security-token"],
    ["a ranged, conditional S3 read", "GET", "authorization,if-none-match,range,x-amz-date"],
    ["headers in another case and spacing", "DELETE", " Authorization , X-Amz-Date "],
  ])("allows %s", (_what, method, requested) => {
    expect(preflightAllowance(preflight(method, requested))).toHaveProperty("allowed");
  });

  test("allows a preflight that asks for no header, without an allow-headers", () => {
    expect(preflightAllowance(preflight("GET"))).toEqual({ allowed: { "access-control-allow-methods": "GET", "access-control-max-age": String(CORS_MAX_AGE) } });
  });

  test.each([
    ["a header no AWS client sends", preflight("POST", "content-type,x-my-header"), "this one asks for 'x-my-header'"],
    ["two of them", preflight("POST", "cookie,x-forwarded-for"), "this one asks for 'cookie', 'x-forwarded-for'"],
    ["a bare prefix", preflight("POST", "x-amz-"), "this one asks for 'x-amz-'"],
    ["a method AWS does not serve", preflight("PROPFIND"), "this one asks for the method 'PROPFIND'"],
    ["a method in lower case (fetch does not normalise PATCH)", preflight("patch"), "this one asks for the method 'patch'"],
    ["an empty method", preflight(""), "this one asks for the method ''"],
  ])("refuses %s in one line naming it and what is allowed", (_what, headers, named) => {
    const outcome = preflightAllowance(headers);
    expect(outcome).toEqual({ refused: expect.stringContaining(named) });
    const { refused } = outcome as { refused: string };
    expect(refused).not.toContain("\n");
    expect(refused).toMatch(/^the local cloud answers web pages' CORS preflights for the methods DELETE, GET, HEAD, PATCH, POST, PUT and the headers AWS clients send \(authorization, .*x-amz-\*, amz-sdk-\*\): /);
  });
});
