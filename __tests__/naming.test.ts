import { accessLogGroupName, derivedName, identityPoolName, inlinePolicyName, lambdaLogGroupName, physicalName } from "../constructs/naming";
import { ValidationError } from "../constructs/validation";

/** Every physical name is made in constructs/naming.ts: the forms below are part of the contract (renaming replaces). */
describe("physical names", () => {
  test("app, stage and logical name, joined by hyphens", () => {
    expect(physicalName("api-auth-cognito", "dev")).toBe("api-auth-cognito-dev");
    expect(physicalName("api-auth-cognito", "dev", "private")).toBe("api-auth-cognito-dev-private");
  });

  test.each([
    ["app name", "Api", "dev", undefined],
    ["stage name", "app", "dev_1", undefined],
    ["logical name", "app", "dev", "a--b"],
  ])("refuses a bad %s", (what, app, stage, logical) => {
    expect(() => physicalName(app, stage, logical)).toThrow(ValidationError);
    expect(() => physicalName(app, stage, logical)).toThrow(new RegExp(`^invalid ${what} `));
  });

  test("names derived from a prefix, and the service-mandated forms", () => {
    expect(derivedName("api-auth-cognito-dev", "users")).toBe("api-auth-cognito-dev-users");
    expect(identityPoolName("api-auth-cognito-dev")).toBe("api_auth_cognito_dev");
    expect(lambdaLogGroupName("api-auth-cognito-dev-private")).toBe("/aws/lambda/api-auth-cognito-dev-private");
    expect(accessLogGroupName("api-auth-cognito-dev-api")).toBe("/aws/apigateway/api-auth-cognito-dev-api/access");
    expect(inlinePolicyName("invoke", "my api/v2")).toBe("invoke-my-api-v2");
  });
});
