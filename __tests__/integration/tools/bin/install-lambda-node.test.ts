/** `npm run local:lambda-node` refuses a runtime it cannot install, in one line, before installing anything. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);

/** Runs `npm run local:lambda-node -- <args>` as a user would, and collects how it ended. */
async function installLambdaNode(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = isolatedEnv(ownFolder("install-lambda-node"));
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", "local:lambda-node", "--", ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const USAGE = "(usage: npm run local:lambda-node [-- <runtime>...])";

test("a runtime Lambda no longer creates functions on (nodejs20.x) is one line naming it and the runtimes allowed; exit 2", async () => {
  const result = await installLambdaNode(["nodejs20.x"]);
  expect(result).toEqual({ code: 2, stdout: "", stderr: `Error: invalid runtime "nodejs20.x": expected one of nodejs22.x, nodejs24.x ${USAGE}\n` });
}, 60_000);

test("one bad runtime among good ones installs none of them: the one line names the bad one, and no install starts", async () => {
  const result = await installLambdaNode(["nodejs24.x", "python3.12"]);
  // No progress line: nothing was started.
  expect(result).toEqual({ code: 2, stdout: "", stderr: `Error: invalid runtime "python3.12": expected one of nodejs22.x, nodejs24.x ${USAGE}\n` });
}, 60_000);
