import { execFile } from "node:child_process";
import { AddressInfo, createServer, Server } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describeWhen, missing } from "../../../support/requires";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);

/** Runs a command file as npm would; how it ended. */
async function command(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", file), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

test.each([
  ["local-up.ts", ["--port", "http"], 'invalid port "http" (from --port)'],
  ["dev.ts", ["--api-port", "70000"], 'invalid port "70000" (from --api-port)'],
])("%s %j: one line naming the value, exit 2, nothing started", async (file, args, message) => {
  const result = await command(file, args);
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split("\n")).toEqual([`Error: ${message}: expected a number from 1 to 65535, or 0 for any free port`]);
}, 60_000);

describeWhen(missing("moto"))("npm run local:up on a taken port", () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  test("says which port and how to choose another, in one line, and exits 1", async () => {
    const result = await command("local-up.ts", ["--port", String(port)]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^Error: port ${port} on 127\\.0\\.0\\.1 is taken .*: choose another with --port <port> or API_AUTH_COGNITO_CLOUD_PORT=<port> \\(0: any free port\\)$`));
    expect(result.stdout).toBe("");
  }, 60_000);
});
