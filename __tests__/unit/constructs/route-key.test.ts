import { executeApiArn, executionArn } from "../../../constructs/execute-api-arn";
import { parseRouteKey, pathSegments, routeArn, routeArnSuffix, routeSignature } from "../../../constructs/route-key";

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

describe("execute-api ARNs: one form for the constructs' grants and the local API's requests", () => {
  const api = executionArn("eu-west-1", "123456789012", "abc123");

  test("an API's execution ARN, as Terraform's execution_arn", () => {
    expect(api).toBe("arn:aws:execute-api:eu-west-1:123456789012:abc123");
    expect(executionArn("cn-north-1", "123456789012", "abc123", "aws-cn")).toBe("arn:aws-cn:execute-api:cn-north-1:123456789012:abc123");
  });

  test("a request's ARN names its stage, method and path, the path without its leading slash", () => {
    expect(executeApiArn(api, "$default", "GET", "/notes/42")).toBe(`${api}/$default/GET/notes/42`);
    expect(executeApiArn(api, "$default", "POST", "/")).toBe(`${api}/$default/POST/`);
  });

  test("a route's ARN covers every stage and every value of its parameters, and is the same form", () => {
    expect(routeArn(api, parseRouteKey("GET /notes/{id}"))).toBe(executeApiArn(api, "*", "GET", "/notes/*"));
    expect(routeArn(api, parseRouteKey("ANY /{proxy+}"))).toBe(`${api}/*/*/*`);
    expect(routeArn(api, parseRouteKey("$default"))).toBe(`${api}/*/$default`);
    expect(routeArnSuffix(parseRouteKey("GET /notes/{id}"))).toBe(routeArn("", parseRouteKey("GET /notes/{id}")));
  });
});

describe("pathSegments", () => {
  test("literals, parameters and a final greedy parameter, by the grammar of parseRouteKey", () => {
    expect(pathSegments(parseRouteKey("GET /notes/{id}/files/{path+}"))).toEqual([
      { kind: "literal", value: "notes" },
      { kind: "parameter", name: "id" },
      { kind: "literal", value: "files" },
      { kind: "greedy", name: "path" },
    ]);
    expect(pathSegments(parseRouteKey("GET /"))).toEqual([]);
    expect(pathSegments(parseRouteKey("$default"))).toEqual([]);
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
