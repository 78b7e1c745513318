import { ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, IncomingHttpHeaders, request as httpRequest, Server } from "node:http";
import { AddressInfo } from "node:net";
import { buffer, text } from "node:stream/consumers";
import { AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateBucketCommand, PutBucketCorsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { Sha256 } from "../../../../tools/shared/sha256";
import { rejection } from "../../../support/rejection";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/** The page every test here plays: a Vite dev server's default origin. */
const PAGE = "http://localhost:5173";

/** What Chromium adds to every request a page's `fetch` makes to another site. */
const CHROMIUM: Readonly<Record<string, string>> = {
  accept: "*/*",
  "accept-encoding": "gzip, deflate, br, zstd",
  "accept-language": "en-US,en;q=0.9",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
  "sec-fetch-dest": "empty",
  "sec-fetch-mode": "cors",
  "sec-fetch-site": "cross-site",
};

/** The headers Amplify v6's Cognito client sets on a call, as the browser sends them (it lowercases and sorts them in the preflight). */
const AMPLIFY_HEADERS = "amz-sdk-invocation-id,amz-sdk-request,cache-control,content-type,x-amz-target,x-amz-user-agent";

/** Chromium's preflight for Amplify's SignUp from a page of `origin`. */
function signUpPreflight(origin: string): Record<string, string> {
  return { ...CHROMIUM, origin, referer: `${origin}/`, "access-control-request-method": "POST", "access-control-request-headers": AMPLIFY_HEADERS };
}

/** Chromium's request for Amplify's SignUp from a page of `origin`, after its preflight. */
function signUpRequest(origin: string): Record<string, string> {
  return {
    ...CHROMIUM,
    origin,
    referer: `${origin}/`,
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "AWSCognitoIdentityProviderService.SignUp",
    "x-amz-user-agent": "aws-amplify/6.15.0 auth/4 framework/1",
    "cache-control": "no-store",
    "amz-sdk-invocation-id": randomUUID(),
    "amz-sdk-request": "attempt=1; max=3",
  };
}

/** An answer as received: status, headers (lower-case names) and body. */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A raw HTTP request to the front, with exactly these headers (Node adds `host` and the body's length). */
function send(endpoint: string, method: string, path: string, headers: Record<string, string>, body = ""): Promise<Answer> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      text(res).then((answer) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: answer }), reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The `access-control-*` headers of an answer. */
function corsOf(answer: Answer): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answer.headers).filter(([name]) => name.startsWith("access-control-")));
}

describeWhen(missing("moto"))("local cloud: CORS for web pages on loopback, as Cognito answers browsers", () => {
  let cloud: LocalCloud;
  let idp: CognitoIdentityProviderClient;
  let s3: S3Client;
  let poolId: string;
  let clientId: string;
  const suffix = randomBytes(4).toString("hex");
  const bucket = `cors-${suffix}`;

  /** The body of a SignUp for `username`. */
  const signUpBody = (username: string) => JSON.stringify({ ClientId: clientId, Username: username, Password: "Corr3ct-horse-battery!", UserAttributes: [] });

  /** The headers of a bodiless request signed with the local key pair, plus `extra` (unsigned, as a browser adds `Origin`). */
  async function signed(service: string, method: string, path: string, extra: Record<string, string>): Promise<Record<string, string>> {
    const { host } = new URL(cloud.endpoint);
    const signer = new SignatureV4({ service, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, sha256: Sha256 });
    // S3 signs its payload hash in a header of its own; the other services sign the body's hash inside the signature.
    const payload: Record<string, string> = service === "s3" ? { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } : {};
    const request = await signer.sign({ method, protocol: "http:", hostname: "127.0.0.1", path, headers: { host, ...payload } });
    const { host: _host, ...headers } = request.headers;
    return { ...headers, ...extra };
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    const config = { endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    idp = new CognitoIdentityProviderClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: `cors-${suffix}` }))).UserPool!.Id!;
    clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: `cors-${suffix}` }))).UserPoolClient!.ClientId!;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "page.txt", Body: "hello" }));
  }, 60_000);

  afterAll(async () => {
    idp?.destroy();
    s3?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("Chromium's preflight for Amplify's SignUp from http://localhost:5173 is answered 200 with what it asked for", async () => {
    const answer = await send(cloud.endpoint, "OPTIONS", "/", signUpPreflight(PAGE));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("");
    expect(corsOf(answer)).toEqual({
      "access-control-allow-origin": PAGE,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": AMPLIFY_HEADERS,
      "access-control-expose-headers": expect.stringContaining("x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"),
      "access-control-max-age": "172800",
    });
    expect(answer.headers.vary).toBe("Origin");
    expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("the SignUp that follows is answered with the page's origin, and the user exists", async () => {
    const username = `page-user-${suffix}`;
    const answer = await send(cloud.endpoint, "POST", "/", signUpRequest(PAGE), signUpBody(username));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ UserConfirmed: false, UserSub: expect.any(String) }));
    expect(answer.headers["access-control-allow-origin"]).toBe(PAGE);
    expect(answer.headers["access-control-expose-headers"]).toContain("x-amzn-ErrorType");
    expect(answer.headers.vary).toMatch(/\bOrigin\b/);
    expect((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }))).Username).toBe(username);

    // Cognito's errors reach the page too, readable: moto's answer, passed through.
    const again = await send(cloud.endpoint, "POST", "/", signUpRequest(PAGE), signUpBody(username));
    expect(again.status).toBe(400);
    expect(again.headers["x-amzn-errortype"]).toBe("UsernameExistsException");
    expect(again.headers["access-control-allow-origin"]).toBe(PAGE);
  });

  test("any loopback page passes, whatever its port or scheme: 127.0.0.1, [::1], https", async () => {
    for (const origin of ["http://127.0.0.1:3000", "http://[::1]:8080", "https://localhost:8443", "http://localhost"]) {
      const answer = await send(cloud.endpoint, "OPTIONS", "/", signUpPreflight(origin));
      expect({ origin, status: answer.status, allowed: answer.headers["access-control-allow-origin"] }).toEqual({ origin, status: 200, allowed: origin });
    }
  });

  test.each(["http://evil.example", "http://localhost.evil.example", "http://127.0.0.1.evil.example:5173", "null", "file://"])(
    "a page of %s is refused, preflight and request, as before, without CORS headers",
    async (origin) => {
      const preflight = await send(cloud.endpoint, "OPTIONS", "/", signUpPreflight(origin));
      expect(preflight.status).toBe(403);
      // A preflight names no service: it is refused in S3's XML, as the front refuses what it cannot tell apart.
      expect(preflight.body).toContain(`the local cloud refuses requests from web pages of other origins (Origin &apos;${origin}&apos;)`);
      expect(corsOf(preflight)).toEqual({});
      const username = `evil-${randomBytes(4).toString("hex")}`;
      const request = await send(cloud.endpoint, "POST", "/", signUpRequest(origin), signUpBody(username));
      expect(request.status).toBe(403);
      expect(JSON.parse(request.body)).toEqual({ __type: "AccessDeniedException", message: expect.stringContaining(`(Origin '${origin}')`) });
      expect(corsOf(request)).toEqual({});
      expect((await rejection(idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })))).name).toBe("UserNotFoundException");
    },
  );

  test("a preflight for a header or method no AWS client sends is refused in one line naming it, readable by the page", async () => {
    const header = await send(cloud.endpoint, "OPTIONS", "/", { ...signUpPreflight(PAGE), "access-control-request-headers": "content-type,x-my-header" });
    expect(header.status).toBe(403);
    expect(header.body).toMatch(/CORS preflights for the methods DELETE, GET, HEAD, PATCH, POST, PUT and the headers AWS clients send \(.*x-amz-\*, amz-sdk-\*\): this one asks for &apos;x-my-header&apos;/);
    expect(header.headers["access-control-allow-origin"]).toBe(PAGE);
    expect(header.headers["access-control-allow-headers"]).toBeUndefined();
    const method = await send(cloud.endpoint, "OPTIONS", "/", { ...signUpPreflight(PAGE), "access-control-request-method": "PROPFIND" });
    expect(method.status).toBe(403);
    expect(method.body).toContain("this one asks for the method &apos;PROPFIND&apos;");
    expect(method.headers["access-control-allow-methods"]).toBeUndefined();
  });

  test("refusals after the preflight reach the page readable: an unsigned call AWS does not serve unsigned", async () => {
    const answer = await send(cloud.endpoint, "POST", "/", { ...signUpRequest(PAGE), "x-amz-target": "AWSCognitoIdentityProviderService.ListUserPools" }, "{}");
    expect(answer.status).toBe(403);
    expect(answer.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
    expect(answer.headers["access-control-allow-origin"]).toBe(PAGE);
    expect(answer.headers.vary).toBe("Origin");
  });

  test("a signed S3 call from a loopback page gets the page's origin, in place of the CORS headers moto adds", async () => {
    // A bucket rule moto applies to the GET below; the front's CORS headers replace moto's.
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["GET"], ExposeHeaders: ["x-from-moto"], MaxAgeSeconds: 5 }] } }));
    const path = `/${bucket}/page.txt`;
    const answer = await send(cloud.endpoint, "GET", path, await signed("s3", "GET", path, { ...CHROMIUM, origin: "http://127.0.0.1:3000" }));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("hello");
    expect(answer.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:3000");
    expect(answer.headers["access-control-expose-headers"]).toContain("ETag");
    expect(answer.headers["access-control-expose-headers"]).not.toContain("x-from-moto");
    expect(answer.headers["access-control-max-age"]).toBeUndefined();
  });

  test("a signed Lambda call from a loopback page gets the page's origin", async () => {
    const path = "/2015-03-31/functions/";
    const answer = await send(cloud.endpoint, "GET", path, await signed("lambda", "GET", path, { ...CHROMIUM, origin: PAGE }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ Functions: expect.any(Array) }));
    expect(answer.headers["access-control-allow-origin"]).toBe(PAGE);
    expect(answer.headers["access-control-expose-headers"]).toContain("x-amz-function-error");
  });

  test("a body refused before it is sent (Expect: 100-continue) is refused readable by the page", async () => {
    const { hostname, port } = new URL(cloud.endpoint);
    const path = "/2015-03-31/functions/f/code";
    const headers = { ...(await signed("lambda", "PUT", path, { ...CHROMIUM, origin: PAGE })), expect: "100-continue", "content-length": String(80 * 1024 * 1024) };
    const answer = await new Promise<Answer>((resolve, reject) => {
      // The body is never sent: once the refusal is read, the request is cut off.
      const req = httpRequest({ hostname, port, method: "PUT", path, headers }, (res) => {
        buffer(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString("utf8") }), reject).finally(() => req.destroy());
      });
      req.on("continue", () => reject(new Error("the front asked for the body it should have refused")));
      req.on("error", () => undefined);
      req.flushHeaders();
    });
    expect(answer.status).toBe(413);
    expect(answer.headers["access-control-allow-origin"]).toBe(PAGE);
  });

  test("a request without Origin is answered as before: no CORS headers of the front's", async () => {
    const sdk = { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.SignUp" };
    const answer = await send(cloud.endpoint, "POST", "/", sdk, signUpBody(`cli-user-${suffix}`));
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-expose-headers"]).toBeUndefined();
    expect(answer.headers.vary).toBeUndefined();
    const preflightShaped = await send(cloud.endpoint, "OPTIONS", "/", { "access-control-request-method": "POST" });
    expect(preflightShaped.status).toBe(403);
    expect(preflightShaped.headers["access-control-allow-methods"]).toBeUndefined();
  });

  describeWhen(missing("chromium"))("with headless Chromium", () => {
    let pages: Server;
    let browser: ChildProcess | undefined;

    afterAll(async () => {
      if (browser?.pid !== undefined && browser.exitCode === null) {
        const exited = new Promise((resolve) => browser!.once("exit", resolve));
        // Chromium and its helpers run in a process group of their own (detached): end them all.
        process.kill(-browser.pid, "SIGKILL");
        await exited;
      }
      await new Promise((resolve) => pages?.close(resolve));
    }, 15_000);

    test("a page on http://localhost signs a user up through the local cloud, and reads Cognito's answer", async () => {
      const username = `chromium-user-${suffix}`;
      let report: (result: string) => void = () => undefined;
      const reported = new Promise<string>((resolve) => (report = resolve));
      // The page calls the cloud as Amplify's Cognito client does, then a header the cloud does not allow.
      const script = `
        const call = (headers) => fetch(${JSON.stringify(cloud.endpoint + "/")}, { method: "POST", headers, body: ${JSON.stringify(signUpBody(username))} })
          .then(async (answer) => ({ status: answer.status, requestId: answer.headers.get("x-amzn-requestid"), body: await answer.json() }), (error) => ({ error: error.name }));
        const amplify = {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "AWSCognitoIdentityProviderService.SignUp",
          "x-amz-user-agent": "aws-amplify/6.15.0 auth/4 framework/1",
          "cache-control": "no-store",
          "amz-sdk-invocation-id": crypto.randomUUID(),
          "amz-sdk-request": "attempt=1; max=3",
        };
        (async () => {
          const signUp = await call(amplify);
          const foreign = await call({ ...amplify, "x-my-header": "1" });
          await fetch("/result", { method: "POST", body: JSON.stringify({ signUp, foreign }) });
        })();`;
      pages = createServer((req, res) => {
        if (req.method === "POST" && req.url === "/result") {
          text(req).then(report, () => report("{}"));
          res.end();
          return;
        }
        res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>cors</title><script type="module">${script}</script>`);
      });
      await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
      const pagePort = (pages.address() as AddressInfo).port;
      const profile = ownFolder("cors-chromium");
      browser = spawn(
        "chromium",
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions", `--user-data-dir=${profile}`, `http://localhost:${pagePort}/`],
        { detached: true, stdio: "ignore" },
      );
      const result = JSON.parse(await reported) as { signUp: { status: number; requestId: string; body: { UserSub?: string } }; foreign: { error?: string } };
      expect(result.signUp).toEqual({ status: 200, requestId: expect.any(String), body: expect.objectContaining({ UserSub: expect.any(String) }) });
      expect(result.foreign).toEqual({ error: "TypeError" });
      expect((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }))).Username).toBe(username);
    }, 90_000);
  });
});
