import { reducedPath, requestTargetRefusal } from "../../../../../tools/local-cloud/gateway/request-target";

describe("requestTargetRefusal: moto's own API however spelled, and only paths", () => {
  test.each([
    ["as is", "/moto-api/reset"],
    ["its dashboard", "/moto-api"],
    ["one letter percent-encoded (moto decodes it)", "/%6Doto-api/reset"],
    ["lower-case hex", "/%6doto-api/config"],
    ["every letter encoded", "/%6D%6F%74%6F%2D%61%70%69/reset"],
    ["the slash after it encoded", "/moto-api%2Freset"],
    ["double-encoded", "/%256Doto-api/reset"],
    ["triple-encoded", "/%25256Doto-api/reset"],
    ["two leading slashes (werkzeug reads //netloc/path and joins them)", "//moto-api/reset"],
    ["three leading slashes", "///moto-api/reset"],
    ["a query right after the netloc", "//moto-api?x=/reset"],
    ["an encoded leading slash", "/%2Fmoto-api/reset"],
    ["a dot segment", "/./moto-api/reset"],
    ["a parent segment", "/x/../moto-api/reset"],
    ["an encoded parent segment", "/x/%2E%2E/moto-api/reset"],
    ["a backslash", "/\\moto-api/reset"],
    ["an encoded backslash", "/x%5C..%5Cmoto-api/reset"],
    ["a ;parameter", "/;x/moto-api/reset"],
    ["upper case", "/MOTO-API/reset"],
    ["a fragment", "/moto-api#x"],
    ["a query", "/moto-api?x=1"],
  ])("refuses %s: %s", (_case, target) => {
    expect(requestTargetRefusal(target)).toMatch(/moto's own API/);
  });

  test.each([
    ["absolute-form (werkzeug serves its path)", "http://x/moto-api/reset"],
    ["no leading slash", "moto-api/reset"],
    ["asterisk-form", "*"],
  ])("refuses a target that is not a path: %s", (_case, target) => {
    expect(requestTargetRefusal(target)).toMatch(/request targets that are paths/);
  });

  test.each([
    ["the root", "/"],
    ["an S3 key with an encoded slash", "/bucket/a%2Fb"],
    ["an S3 key named moto-api", "/bucket/moto-api/reset"],
    ["an S3 key whose encoded dots stay inside its bucket", "/bucket/x/%2E%2E/moto-api"],
    ["an S3 key with spaces and a plus", "/bucket/a%20b+c"],
    ["a malformed escape", "/bucket/%zz"],
    ["a Lambda path", "/2015-03-31/functions/my-function/code"],
    ["a user pool's keys", "/us-east-1_abc/.well-known/jwks.json"],
  ])("serves %s: %s", (_case, target) => {
    expect(requestTargetRefusal(target)).toBeUndefined();
  });

  test("a message quotes the target safely: controls escaped, one line", () => {
    const message = requestTargetRefusal("/moto-api/\u001b]0;x\u0007\n")!;
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message).toContain("\\u001b");
  });

  test("reducedPath decodes until nothing is left, as any server on the way might", () => {
    expect(reducedPath("/%252541")).toBe("/a");
    expect(reducedPath("/a/b/../../../c//d/./e;p=1")).toBe("/c/d/e");
    expect(reducedPath("/%C3%A9t%C3%A9")).toBe("/été");
  });
});
