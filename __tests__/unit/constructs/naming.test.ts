import {
  accessLogGroupName,
  derivedName,
  identityPoolName,
  inlinePolicyName,
  lambdaLogGroupName,
  MAX_REGION_CODE_LENGTH,
  physicalName,
  regionCode,
} from "../../../constructs/naming";
import { ValidationError } from "../../../constructs/validation";

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
    expect(accessLogGroupName("api-auth-cognito-dev-api")).toBe("/aws/vendedlogs/apigateway/api-auth-cognito-dev-api/access");
    expect(inlinePolicyName("invoke", "my api/v2")).toBe("invoke-my-api-v2");
  });
});

/** The regions AWS lists (commercial, China, GovCloud, ISO), as of the end of 2026. */
const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
  "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1",
  "sa-east-1", "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1", "us-isob-east-1",
  "us-isof-south-1", "eu-isoe-west-1",
];

describe("region codes, for names global to an account (IAM)", () => {
  test("the usual short forms", () => {
    expect(regionCode("us-east-1")).toBe("use1");
    expect(regionCode("ap-southeast-2")).toBe("apse2");
    expect(regionCode("eu-central-1")).toBe("euc1");
    expect(regionCode("us-gov-west-1")).toBe("usgw1");
    expect(regionCode("us-isob-east-1")).toBe("usibe1");
  });

  test("every AWS region has its own code, of lowercase letters and digits, within the length the stage names leave", () => {
    const codes = AWS_REGIONS.map(regionCode);
    expect(new Set(codes).size).toBe(AWS_REGIONS.length);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[a-z][a-z0-9]{1,${MAX_REGION_CODE_LENGTH - 1}}$`));
    expect(regionCode("us-isof-southeast-12")).toHaveLength(MAX_REGION_CODE_LENGTH);
  });
});
