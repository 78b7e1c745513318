import type { Cors } from "@aws-sdk/client-apigatewayv2";
import { SIGV4_HEADERS } from "../../../../constructs/http-api";
import { isPreflight, preflightResponse, withCorsHeaders } from "../../../../tools/local-api/cors";
import type { HttpResponse } from "../../../../tools/local-api/payload-v2";

/** The configuration HttpApi deploys by default for an API with GET routes (constructs/http-api.ts). */
const DEPLOYED_DEFAULT: Cors = { AllowOrigins: ["*"], AllowHeaders: [...SIGV4_HEADERS], AllowMethods: ["GET"], MaxAge: 3600, AllowCredentials: false };

const APP: Cors = {
  AllowOrigins: ["https://app.example.com", "https://*.preview.example.com"],
  AllowHeaders: ["Authorization", "content-type"],
  AllowMethods: ["GET", "POST"],
  ExposeHeaders: ["x-request-id", "date"],
  MaxAge: 300,
  AllowCredentials: true,
};

const preflight = (origin: string | undefined, method = "GET", requestHeaders?: string) => ({
  ...(origin === undefined ? {} : { origin }),
  "access-control-request-method": method,
  ...(requestHeaders === undefined ? {} : { "access-control-request-headers": requestHeaders }),
});

const integration = (headers: Record<string, string> = {}): HttpResponse => ({ statusCode: 200, headers: { "content-type": "application/json", ...headers }, body: Buffer.from("{}") });

describe("isPreflight", () => {
  test("OPTIONS with Origin and Access-Control-Request-Method is a preflight; without either, or another method, it is not", () => {
    expect(isPreflight("OPTIONS", preflight("https://app.example.com"))).toBe(true);
    expect(isPreflight("OPTIONS", { origin: "https://app.example.com" })).toBe(false);
    expect(isPreflight("OPTIONS", { "access-control-request-method": "GET" })).toBe(false);
    expect(isPreflight("GET", preflight("https://app.example.com"))).toBe(false);
  });
});

describe("preflightResponse", () => {
  test("an allowed origin gets 204, no body, the origin echoed and the configured methods, headers, max age, credentials and expose headers", () => {
    const response = preflightResponse(APP, preflight("https://app.example.com", "POST", "authorization, Content-Type"));
    expect(response.statusCode).toBe(204);
    expect(response.body.length).toBe(0);
    expect(response.headers).toEqual({
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "Authorization,content-type",
      "access-control-max-age": "300",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-request-id,date",
    });
  });

  test("the defaults HttpApi deploys let a browser on any origin send a SigV4-signed GET: origin *, the SigV4 headers allowed", () => {
    const requested = "authorization,x-amz-date,x-amz-security-token,x-amz-content-sha256";
    const response = preflightResponse(DEPLOYED_DEFAULT, preflight("http://localhost:5173", "GET", requested));
    expect(response).toMatchObject({
      statusCode: 204,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        "access-control-allow-headers": SIGV4_HEADERS.join(","),
        "access-control-max-age": "3600",
      },
    });
    expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  test("a wildcard subdomain origin matches one subdomain label, not the bare domain or another scheme", () => {
    expect(preflightResponse(APP, preflight("https://pr-12.preview.example.com")).headers["access-control-allow-origin"]).toBe("https://pr-12.preview.example.com");
    for (const origin of ["https://preview.example.com", "http://pr-12.preview.example.com", "https://evil.com/.preview.example.com", "https://app.example.com.evil.com"]) {
      expect({ origin, headers: preflightResponse(APP, preflight(origin)).headers }).toEqual({ origin, headers: {} });
    }
  });

  test("an origin, method or requested header that is not allowed gets a bare 204 with no CORS headers", () => {
    const bare = { statusCode: 204, headers: {}, body: Buffer.alloc(0) };
    expect(preflightResponse(APP, preflight("https://evil.example.org"))).toEqual(bare);
    expect(preflightResponse(APP, preflight("https://app.example.com", "DELETE"))).toEqual(bare);
    expect(preflightResponse(APP, preflight("https://app.example.com", "get"))).toEqual(bare);
    expect(preflightResponse(APP, preflight("https://app.example.com", "GET", "authorization, x-secret"))).toEqual(bare);
  });

  test("* in methods or headers allows any", () => {
    const open: Cors = { AllowOrigins: ["*"], AllowMethods: ["*"], AllowHeaders: ["*"] };
    expect(preflightResponse(open, preflight("https://a.test", "PATCH", "x-anything")).headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-allow-methods": "*" });
  });
});

describe("withCorsHeaders", () => {
  test("an allowed origin gets allow-origin, credentials and expose headers; the integration's own CORS headers are dropped", () => {
    const response = withCorsHeaders(APP, { origin: "https://app.example.com" }, integration({ "access-control-allow-origin": "*", "access-control-max-age": "9", "x-request-id": "1" }));
    expect(response.headers).toEqual({
      "content-type": "application/json",
      "x-request-id": "1",
      "access-control-allow-origin": "https://app.example.com",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-request-id,date",
    });
    expect(response.statusCode).toBe(200);
    expect(response.body.toString()).toBe("{}");
  });

  test("a disallowed origin, or no origin, gets no CORS headers, not even the integration's", () => {
    expect(withCorsHeaders(APP, { origin: "https://evil.example.org" }, integration({ "access-control-allow-origin": "*" })).headers).toEqual({ "content-type": "application/json" });
    expect(withCorsHeaders(APP, {}, integration()).headers).toEqual({ "content-type": "application/json" });
  });

  test("without a CORS configuration the response is unchanged, the integration's CORS headers included", () => {
    const response = integration({ "access-control-allow-origin": "https://mine.test" });
    expect(withCorsHeaders(undefined, { origin: "https://app.example.com" }, response)).toBe(response);
  });
});
