import { parseRouteKey, routeArnSuffix, routeSignature } from "../constructs/route-key";

describe("parseRouteKey", () => {
  test("splits a key into method and path", () => {
    expect(parseRouteKey("GET /notes/{id}")).toEqual({ key: "GET /notes/{id}", method: "GET", path: "/notes/{id}" });
  });

  test("accepts $default, the root path, ANY and a final greedy parameter", () => {
    expect(parseRouteKey("$default")).toEqual({ key: "$default" });
    expect(parseRouteKey("GET /").path).toBe("/");
    expect(parseRouteKey("ANY /files/{proxy+}").method).toBe("ANY");
  });

  test.each([
    ["get /private", /unknown method "get"/],
    ["FETCH /private", /unknown method "FETCH"/],
    ["GET private", /not a method and a path/],
    ["GET  /private", /not a method and a path/],
    ["GET /notes//x", /bad path segment ""/],
    ["GET /notes/", /bad path segment ""/],
    ["GET /{proxy+}/more", /bad path segment "\{proxy\+\}"/],
    ["GET /notes/{}", /bad path segment "\{\}"/],
    ["", /not a method and a path/],
  ])("rejects %j", (key, why) => {
    expect(() => parseRouteKey(key)).toThrow(why);
    expect(() => parseRouteKey(key)).toThrow(`invalid route key "${key}"`);
  });

  test("the error lists the allowed methods", () => {
    expect(() => parseRouteKey("FETCH /x")).toThrow(/METHOD one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY/);
  });
});

describe("routeArnSuffix", () => {
  test.each([
    ["GET /private", "/*/GET/private"],
    ["GET /notes/{id}", "/*/GET/notes/*"],
    ["ANY /files/{proxy+}", "/*/*/files/*"],
    ["POST /", "/*/POST/"],
    ["$default", "/*/$default"],
  ])("%s matches %s in any stage", (key, suffix) => {
    expect(routeArnSuffix(parseRouteKey(key))).toBe(suffix);
  });
});

describe("routeSignature", () => {
  test("ignores parameter names, keeps methods, literals and greediness apart", () => {
    const signature = (key: string) => routeSignature(parseRouteKey(key));
    expect(signature("GET /notes/{id}")).toBe(signature("GET /notes/{noteId}"));
    expect(signature("GET /notes/{id}")).not.toBe(signature("POST /notes/{id}"));
    expect(signature("GET /notes/{id}")).not.toBe(signature("GET /notes/{id+}"));
    expect(signature("GET /notes/{id}")).not.toBe(signature("GET /notes/id"));
  });
});
