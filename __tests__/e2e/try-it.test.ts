import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DevEnvironment, startDev } from "../../tools/local-api/dev-environment";
import { lambdaNodeMissing } from "../../tools/local-api/lambda-node";
import { motoMissing } from "../../tools/local-cloud/moto";
import { shellBlock } from "../../tools/local-cloud/shell-block";
import { terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

const ROOT = join(__dirname, "..", "..");
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
 * The README's "Try it", verbatim, against `npm run dev`: the block dev prints is pasted into bash, then every
 * command of the section runs as written, with the real AWS CLI and curl.
 */
describeWhen(terraformMissing() ?? motoMissing() ?? lambdaNodeMissing())("README's Try it against npm run dev", () => {
  let scratch: string;
  let dev: DevEnvironment;
  let block: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "try-it-"));
    dev = await startDev({ workdir: join(scratch, "work"), log: () => {} });
    block = shellBlock({ cloud: dev.cloud.endpoint, api: dev.api.url }, { outputNames: dev.manifest.outputs, outputs: dev.outputs });
  }, 180_000);

  afterAll(async () => {
    await dev?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  test("the block dev prints sets every variable the README asks you to copy, with API the local API", () => {
    const [outputs] = tryItBlocks();
    expect(assigned(outputs).length).toBeGreaterThanOrEqual(5);
    expect(assigned(block)).toEqual(expect.arrayContaining(assigned(outputs)));
    expect(block).toContain(`API=${dev.api.url}\n`);
    expect(block).toContain(`export AWS_ENDPOINT_URL=${dev.cloud.endpoint} `);
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
