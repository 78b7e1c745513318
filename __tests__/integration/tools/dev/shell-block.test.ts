import { execFileSync } from "node:child_process";
import { OUTPUT_NAMES } from "../../../../app/contract/stage-manifest";
import { shellBlock, shellQuote } from "../../../../tools/dev/shell-block";

/** The block the local cloud and dev print, pasted into a real POSIX shell. */
describe("the block to paste into a shell", () => {
  const outputs = { ApiEndpoint: "http://moto/api", ApiId: "abc", UserPoolId: "us-east-1_X", UserPoolClientId: "c l'i", IdentityPoolId: "us-east-1:1", Region: "us-east-1" };

  /** What a POSIX shell has after pasting `block`. */
  function pasted(block: string, names: string[]): Record<string, string> {
    const script = `${block}\nprintf '%s\\0' ${names.map((n) => `"$${n}"`).join(" ")}`;
    const values = execFileSync("sh", ["-c", script], { env: { PATH: process.env.PATH, AWS_SESSION_TOKEN: "from-aws" }, encoding: "utf8" }).split("\0");
    return Object.fromEntries(names.map((name, i) => [name, values[i]]));
  }

  test("sets the AWS variables for the local cloud, the local target's endpoint, and each output under its Try it name", () => {
    const block = shellBlock({ cloud: "http://127.0.0.1:4599", api: "http://127.0.0.1:4600" }, { outputNames: OUTPUT_NAMES, outputs });
    const names = ["AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "API_AUTH_COGNITO_LOCAL_ENDPOINT", "REGION", "API", "API_ID", "USER_POOL_ID", "CLIENT_ID", "IDENTITY_POOL_ID"];
    expect(pasted(block, names)).toEqual({
      AWS_ENDPOINT_URL: "http://127.0.0.1:4599",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_SESSION_TOKEN: "",
      API_AUTH_COGNITO_LOCAL_ENDPOINT: "http://127.0.0.1:4599",
      REGION: "us-east-1",
      API: "http://127.0.0.1:4600",
      API_ID: "abc",
      USER_POOL_ID: "us-east-1_X",
      CLIENT_ID: "c l'i",
      IDENTITY_POOL_ID: "us-east-1:1",
    });
    expect(block.split("\n")[0]).toBe("export AWS_ENDPOINT_URL=http://127.0.0.1:4599 AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test");
  });

  test("without a stage, only the AWS variables; values that need it are quoted", () => {
    expect(shellBlock({ cloud: "http://127.0.0.1:1" })).not.toMatch(/^(API|REGION)=/m);
    expect([shellQuote("a b"), shellQuote("it's"), shellQuote("us-east-1:x/y")]).toEqual(["'a b'", `'it'\\''s'`, "us-east-1:x/y"]);
  });
});
