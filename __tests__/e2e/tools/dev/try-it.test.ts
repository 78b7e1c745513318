import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";
import { SharedDev, sharedDev } from "../../../support/shared";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);

/** The `sh` code blocks of docs/try-it.md, in order: edit the page and this test follows. */
function tryItBlocks(): string[] {
  const page = readFileSync(join(ROOT, "docs", "try-it.md"), "utf8");
  if (!page.startsWith("# Try it\n")) throw new Error('docs/try-it.md does not start with "# Try it"');
  return [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** The variables a block assigns at the start of a line (`NAME=...`). */
function assigned(block: string): string[] {
  return [...block.matchAll(/^(?:export )?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

/**
 * docs/try-it.md, verbatim, against the run's shared `npm run dev`: the block dev printed is pasted into bash, then
 * every command of the page runs as written, with the real AWS CLI and curl (the only file of the run that signs up
 * the page's admin@example.com).
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("docs/try-it.md against npm run dev", () => {
  let scratch: string;
  let dev: SharedDev;
  let block: string;

  beforeAll(async () => {
    scratch = ownFolder("try-it");
    dev = await sharedDev();
    // The block as dev printed it, between its heading and the line that says it serves.
    const lines = dev.logLines();
    const from = lines.findIndex((line) => line.startsWith("Paste into your shell"));
    const to = lines.findIndex((line, i) => i > from && line.startsWith("Serving the API on"));
    block = lines.slice(from + 1, to).join("\n").trim() + "\n";
  }, 300_000);

  test("the block dev prints sets every variable the page asks you to copy, with API the local API", () => {
    const [outputs] = tryItBlocks();
    expect(assigned(outputs).length).toBeGreaterThanOrEqual(5);
    expect(assigned(block)).toEqual(expect.arrayContaining(assigned(outputs)));
    expect(block).toContain(`API=${dev.apiUrl}\n`);
    expect(block).toContain(`export AWS_ENDPOINT_URL=${dev.cloudEndpoint} `);
  });

  test("after pasting it, every Try it command works as written", async () => {
    const [, ...commands] = tryItBlocks();
    const script = ["set -euo pipefail", block, ...commands, 'printf "\\nIDENTITY_ID=%s\\n" "$IDENTITY_ID"'].join("\n");
    // A user's shell, without this process's settings or any AWS configuration of the machine.
    const env = { PATH: process.env.PATH, HOME: scratch, AWS_CONFIG_FILE: join(scratch, "none"), AWS_SHARED_CREDENTIALS_FILE: join(scratch, "none") };
    // Asynchronously: the local cloud and API run in this process and must keep answering.
    const { stdout } = await run("bash", ["-c", script], { env, cwd: scratch, maxBuffer: 1 << 20 });
    const identityId = /^IDENTITY_ID=(\S+)$/m.exec(stdout)?.[1];
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(stdout).toContain("Hello stranger!");
    expect(stdout).toContain('{"message":"Forbidden"}');
    expect(stdout).toContain(`Hello ${identityId}!`);
  }, 120_000);
});
