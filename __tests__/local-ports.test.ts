import { execFileSync } from "node:child_process";
import { createServer, Server } from "node:net";
import { AddressInfo } from "node:net";
import { API_PORT_ENV, CLOUD_PORT_ENV, DEFAULT_API_PORT, DEFAULT_CLOUD_PORT, portSetting } from "../local-ports";
import { explainTakenPort } from "../tools/local-cloud/port-taken";
import { shellBlock, shellQuote } from "../tools/local-cloud/shell-block";
import { OUTPUT_NAMES } from "../stage-manifest";

describe("the local environment's ports", () => {
  test("fixed defaults clear of LocalStack's 4566 and 4510-4559", () => {
    expect([DEFAULT_CLOUD_PORT, DEFAULT_API_PORT]).toEqual([4599, 4600]);
  });

  test("the flag wins over the environment variable, which wins over the default; 0 is any free port", () => {
    expect(portSetting({ name: "port" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, {})).toBe(4599);
    expect(portSetting({ name: "port" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, { [CLOUD_PORT_ENV]: "4700" })).toBe(4700);
    expect(portSetting({ name: "port", value: "4800" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, { [CLOUD_PORT_ENV]: "4700" })).toBe(4800);
    expect(portSetting({ name: "api-port", value: "0" }, API_PORT_ENV, DEFAULT_API_PORT, {})).toBe(0);
  });

  test.each(["http", "-1", "65536", "4599.5", ""])("a bad --port %p is one message naming it", (value) => {
    expect(() => portSetting({ name: "port", value }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, {})).toThrow(
      `invalid port "${value}" (from --port): expected a number from 1 to 65535, or 0 for any free port`,
    );
  });

  describe("a taken port", () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
      port = (holder.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    /** The error Node gives a second listen on the port. */
    const listenError = () =>
      new Promise<unknown>((resolve) => {
        const second = createServer();
        second.once("error", resolve);
        second.listen(port, "127.0.0.1");
      });

    test("is one line naming the port and the flag and variable that choose another", async () => {
      const explained = explainTakenPort(await listenError(), [{ port, flag: "api-port", env: API_PORT_ENV }]) as Error;
      expect(explained.message).toMatch(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is taken \\(another npm run local:up or npm run dev\\? see \\S*cloud\\.json\\): choose another with --api-port <port> or API_AUTH_COGNITO_API_PORT=<port> \\(0: any free port\\)$`));
    });

    test("other errors, and ports that are not the command's, pass unchanged", async () => {
      const error = await listenError();
      expect(explainTakenPort(error, [{ port: port + 1, flag: "port", env: CLOUD_PORT_ENV }])).toBe(error);
      const other = new Error("boom");
      expect(explainTakenPort(other, [{ port, flag: "port", env: CLOUD_PORT_ENV }])).toBe(other);
    });
  });
});

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
