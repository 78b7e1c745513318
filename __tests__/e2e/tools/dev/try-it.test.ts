import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";
import { SharedDev, sharedDev } from "../../../support/shared";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);

/** The `sh` code blocks of the README's "Try it" section, in order: edit the README and this test follows. */
function tryItBlocks(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = /^## Try it\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Try it" section');
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** The variables a block assigns at the start of a line (`NAME=...`). */
function assigned(block: string): string[] {
  return [...block.matchAll(/^(?:export )?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

/**
 * The README's "Try it", verbatim, against the run's shared `npm run dev`: the block dev printed is pasted into bash,
 * then every command of the section runs as written, with the real AWS CLI and curl (the only file of the run that
 * signs up the README's admin@example.com).
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("README's Try it against npm run dev", () => {
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

  test("the block dev prints sets every variable the README asks you to copy, with API the local API", () => {
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
