import { bucketToBootstrap } from "../../../../tools/terraform/bootstrap";

describe("the bucket npm run bootstrap creates", () => {
  test("is named for the account and region unless the user set one: S3 names are global", () => {
    expect(bucketToBootstrap("api-auth-cognito-terraform-state", "123456789012", "eu-west-1")).toBe("api-auth-cognito-state-123456789012-eu-west-1");
    expect(bucketToBootstrap("acme-terraform-state", "123456789012", "eu-west-1")).toBe("acme-terraform-state");
    // The longest region code still gives a valid name (at most 63 characters).
    expect(bucketToBootstrap("api-auth-cognito-terraform-state", "123456789012", "ap-southeast-5").length).toBeLessThanOrEqual(63);
  });
});
