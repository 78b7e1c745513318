import { hostRefusal, isLoopbackOrigin, webPageRefusal } from "../../../../../tools/local-cloud/gateway/host-check";

describe("hostRefusal", () => {
  test.each(["127.0.0.1:4566", "localhost:4566", "LOCALHOST:4566", "bucket.localhost:4566", "my.bucket.localhost:4566"])("serves %s", (host) => {
    expect(hostRefusal(host, 4566)).toBeUndefined();
  });
  test.each(["evil.example:4566", "127.0.0.1:4567", "localhost", "127.0.0.1", "evil.example.localhost.attacker:4566", "[::1]:4566", ""])("refuses %s, naming it and what is allowed", (host) => {
    const message = hostRefusal(host || undefined, 4566);
    expect(message).toMatch(/127\.0\.0\.1:4566, localhost:4566 or <bucket>\.localhost:4566/);
    if (host) expect(message).toContain(`'${host}'`);
  });
});

describe("webPageRefusal", () => {
  test("serves what no browser sent, and pages on loopback", () => {
    expect(webPageRefusal(undefined, undefined)).toBeUndefined();
    expect(webPageRefusal(undefined, "none")).toBeUndefined(); // typed into the address bar
    expect(webPageRefusal(undefined, "same-origin")).toBeUndefined();
    for (const origin of ["http://localhost:3000", "http://127.0.0.1:5173", "https://app.localhost:8443", "http://LOCALHOST"]) {
      expect(webPageRefusal(origin, "cross-site")).toBeUndefined();
    }
  });
  test.each(["https://evil.example", "http://localhost.evil.example", "http://127.0.0.1.evil.example:80", "null"])("refuses a page of %s, naming it", (origin) => {
    expect(webPageRefusal(origin, "cross-site")).toContain(`Origin '${origin}'`);
  });
  test.each(["cross-site", "same-site"])("refuses an image or link from another site (Sec-Fetch-Site: %s, no Origin)", (site) => {
    expect(webPageRefusal(undefined, site)).toContain(`Sec-Fetch-Site: ${site}`);
  });
});

describe("isLoopbackOrigin", () => {
  test.each([
    "http://localhost:5173",
    "http://127.0.0.1:4600",
    "http://[::1]:8080",
    "https://localhost:8443",
    "http://localhost",
    "http://LOCALHOST:3000",
    "http://app.localhost:5173",
    "https://127.0.0.1:65535",
  ])("%s is a page on loopback", (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(true);
  });
  test.each([
    "http://localhost.evil.example",
    "http://localhost.evil.example:5173",
    "http://127.0.0.1.evil.example:5173",
    "http://evil.example",
    "http://localhost:5173.evil.example",
    "http://evil.example#.localhost",
    "http://user@localhost:5173",
    "http://localhost:5173/",
    "http://localhost:5173/app",
    "http://[::1].evil.example",
    "http://[::2]:8080",
    "http://127.0.0.2:3000",
    "ws://localhost:5173",
    "null",
    "file://",
    "",
    " http://localhost:5173",
  ])("%j is not", (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(false);
  });
});
