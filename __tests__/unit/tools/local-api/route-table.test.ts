import { requestArn } from "../../../../tools/local-api/invoke-authorization";
import { functionOfIntegrationUri, matchRoute, RouteEntry, RouteTable } from "../../../../tools/local-api/route-table";

/** A table of the given route keys, each calling a function named after its key. */
function table(...keys: string[]): RouteTable {
  const routes = keys.map((routeKey): RouteEntry => ({ routeKey, authorizationType: "NONE", functionName: `fn ${routeKey}` }));
  return { apiId: "abc123", routes };
}

const picked = (t: RouteTable, method: string, path: string) => matchRoute(t, method, path)?.route.routeKey;

describe("matchRoute", () => {
  test("each kind of route beats the next: exact, path variable, greedy variable, ANY, $default", () => {
    const keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /pets/{proxy+}", "$default"];
    // Remove the winner one at a time: the next one takes over.
    for (let i = 0; i < keys.length; i++) {
      expect(picked(table(...keys.slice(i).reverse()), "GET", "/pets/dog/1")).toBe(keys[i]);
    }
  });

  test("the examples of API Gateway's guide", () => {
    const t = table("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default");
    expect(picked(t, "GET", "/pets/dog/1")).toBe("GET /pets/dog/1");
    expect(picked(t, "GET", "/pets/dog/2")).toBe("GET /pets/dog/{id}");
    expect(picked(t, "GET", "/pets/cat/1")).toBe("GET /pets/{proxy+}");
    expect(picked(t, "POST", "/test/5")).toBe("ANY /{proxy+}");
    expect(picked(t, "GET", "/")).toBe("$default");
  });

  test("returns the route's function and decoded path parameters; a greedy variable takes the rest of the path", () => {
    const t = table("GET /notes/{id}", "GET /files/{proxy+}", "GET /a/{x}/b/{y}");
    expect(matchRoute(t, "GET", "/notes/n%201?full=1")).toEqual({
      route: t.routes[0],
      functionName: "fn GET /notes/{id}",
      functionArn: undefined,
      pathParameters: { id: "n 1" },
    });
    expect(matchRoute(t, "GET", "/files/2024/a%2Fb.txt")?.pathParameters).toEqual({ proxy: "2024/a/b.txt" });
    expect(matchRoute(t, "GET", "/a/1/b/2")?.pathParameters).toEqual({ x: "1", y: "2" });
    expect(matchRoute(t, "GET", "/files/x")?.functionName).toBe("fn GET /files/{proxy+}");
  });

  test("$default matches anything else, with no path parameters", () => {
    expect(matchRoute(table("GET /public", "$default"), "DELETE", "/x/y")).toMatchObject({ route: { routeKey: "$default" }, pathParameters: {} });
  });

  test("no match and no $default: undefined (the server answers 404)", () => {
    const t = table("GET /public", "GET /private");
    expect(matchRoute(t, "GET", "/nope")).toBeUndefined();
    expect(matchRoute(t, "POST", "/public")).toBeUndefined();
    expect(matchRoute(t, "GET", "/public/more")).toBeUndefined();
    expect(matchRoute(t, "GET", "/publicity")).toBeUndefined();
  });

  test("a trailing slash is part of the path: /public/ does not match GET /public, and a variable is never empty", () => {
    expect(matchRoute(table("GET /public"), "GET", "/public/")).toBeUndefined();
    expect(matchRoute(table("GET /notes/{id}"), "GET", "/notes/")).toBeUndefined();
    expect(matchRoute(table("ANY /{proxy+}"), "GET", "/")).toBeUndefined();
    expect(picked(table("GET /public", "GET /public/{proxy+}"), "GET", "/public/x/")).toBe("GET /public/{proxy+}");
    expect(matchRoute(table("GET /public/{proxy+}"), "GET", "/public/x/")?.pathParameters).toEqual({ proxy: "x/" });
  });

  test("the root route matches only /", () => {
    const t = table("GET /", "GET /{id}");
    expect(picked(t, "GET", "/")).toBe("GET /");
    expect(picked(t, "GET", "/7")).toBe("GET /{id}");
  });

  test("methods are case-sensitive: get matches ANY routes, not GET routes", () => {
    expect(matchRoute(table("GET /public"), "get", "/public")).toBeUndefined();
    expect(picked(table("GET /public", "ANY /public"), "get", "/public")).toBe("ANY /public");
    expect(picked(table("GET /public", "ANY /public"), "GET", "/public")).toBe("GET /public");
  });

  test("among routes of one kind, the one more specific from the left wins, whatever the table's order", () => {
    const keys = ["GET /{kind}/1/toys", "GET /pets/{id}/toys"];
    expect(picked(table(...keys), "GET", "/pets/1/toys")).toBe("GET /pets/{id}/toys");
    expect(picked(table(...keys.reverse()), "GET", "/pets/1/toys")).toBe("GET /pets/{id}/toys");
    const greedy = ["GET /{proxy+}", "GET /pets/{proxy+}"];
    expect(picked(table(...greedy), "GET", "/pets/1")).toBe("GET /pets/{proxy+}");
    expect(picked(table(...greedy.reverse()), "GET", "/pets/1")).toBe("GET /pets/{proxy+}");
  });

  test("a path variable beats a greedy variable even when the greedy route has the longer literal prefix", () => {
    expect(picked(table("GET /a/b/{proxy+}", "GET /{x}/b/c"), "GET", "/a/b/c")).toBe("GET /{x}/b/c");
  });
});

describe("functionOfIntegrationUri", () => {
  const arn = "arn:aws:lambda:us-east-1:123456789012:function:api-auth-cognito-dev-public";
  test("reads the function from a Lambda invoke URI or a bare function ARN", () => {
    const expected = { functionArn: arn, functionName: "api-auth-cognito-dev-public" };
    expect(functionOfIntegrationUri(`arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`)).toEqual(expected);
    expect(functionOfIntegrationUri(arn)).toEqual(expected);
  });
  test("an HTTP integration names no function", () => {
    expect(functionOfIntegrationUri("https://example.com/{proxy}")).toBeUndefined();
  });
});

describe("requestArn", () => {
  test("is the $default stage's ARN of the method and the path without its leading slash or query", () => {
    expect(requestArn("us-east-1", "123456789012", "abc123", "GET", "/private?x=1")).toBe("arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/private");
    expect(requestArn("us-east-1", "123456789012", "abc123", "POST", "/")).toBe("arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/");
  });
});
