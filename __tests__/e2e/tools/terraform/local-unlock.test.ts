import { ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET, stackName } from "../../../../app/config";
import { isAlive } from "../../../../tools/cli/lifecycle";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { standInForArchives } from "../../../../tools/terraform/archive-stand-in";
import { cliConfigFile, mirroredProviders, terraformEnv } from "../../../../tools/terraform/terraform";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";
import { describeWhen, missing } from "../../../support/requires";
import { sharedCloud } from "../../../support/shared";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

const CDKTF = join(PROJECT_ROOT, "node_modules", ".bin", "cdktf");
const STAGE = "unlocked";
const STACK = stackName({ name: STAGE });
const run = promisify(execFile);

/** How a command a test runs ended, and what it printed. */
interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` to its end; never throws for a non-zero exit. */
async function ran(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(file, args, { ...options, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

/**
 * A deploy that the tools did not run: `API_AUTH_COGNITO_TARGET=local npx cdktf deploy`, whose Terraform is killed
 * with `kill -9` while it holds the stage's state lock (the real cdktf CLI, Terraform and moto). cdktf exits 0 and
 * writes no outputs, which the pipeline's check (.github/scripts/deployed-outputs.sh) catches; `npm run local:unlock`
 * refuses a lock whose Terraform runs, releases the dead one's lock saying which and why that is safe, and the deploy
 * run again completes.
 */
describeWhen(missing("terraform", "moto"))("npm run local:unlock, after a cdktf deploy whose terraform was killed", () => {
  let scratch: string;
  let env: NodeJS.ProcessEnv;
  let s3: S3Client;
  let unlockEnv: NodeJS.ProcessEnv;
  const outdir = () => join(scratch, "cdktf.out");
  const outputsFile = () => join(scratch, "outputs.json");
  const started: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = ownFolder("local-unlock");
    const cloud = await sharedCloud();
    env = terraformEnv({ API_AUTH_COGNITO_TARGET: "local", API_AUTH_COGNITO_LOCAL_ENDPOINT: cloud.endpoint, API_AUTH_COGNITO_STAGES: STAGE, TF_CLI_CONFIG_FILE: cliConfigFile(), NO_COLOR: "1" });
    // local:unlock, as in a checkout of its own attached to the shared cloud through a copy of its record.
    unlockEnv = isolatedEnv(join(scratch, "checkout"));
    const record = join(unlockEnv.API_AUTH_COGNITO_WORK_DIR!, "local", "cloud.json");
    mkdirSync(dirname(record), { recursive: true });
    copyFileSync(cloud.record, record);
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const synth = await ran(CDKTF, ["synth", "--output", outdir()], { cwd: PROJECT_ROOT, env });
    if (synth.code !== 0) throw new Error(`cdktf synth failed:\n${synth.stdout}\n${synth.stderr}`);
    // This machine cannot install hashicorp/archive: the harness's stand-in builds the zips (as local-target.test.ts).
    if (!mirroredProviders().includes("registry.terraform.io/hashicorp/archive")) standInForArchives(join(outdir(), "stacks", STACK));
  }, 180_000);

  afterAll(() => {
    for (const child of started) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
    s3?.destroy();
  });

  /** `npx cdktf deploy` of the stage, in a process group of its own, on the synthesized stack. */
  function deploy(): { child: ChildProcess; ended: Promise<number | null> } {
    const args = ["deploy", STACK, "--auto-approve", "--skip-synth", "--skip-provider-lock", "--output", outdir(), "--outputs-file", outputsFile()];
    const child = spawn(CDKTF, args, { cwd: PROJECT_ROOT, env, detached: true, stdio: "ignore" });
    started.push(child);
    return { child, ended: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
  }

  /** The stage's state lock, or `undefined` while there is none. */
  async function lock(): Promise<{ ID: string } | undefined> {
    const { key } = JSON.parse(readFileSync(join(outdir(), "stacks", STACK, "cdk.tf.json"), "utf8")).terraform.backend.s3;
    try {
      return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `${key}.tflock` }))).Body!.transformToString());
    } catch {
      return undefined;
    }
  }

  const unlock = () => ran("npm", ["run", "--silent", "local:unlock", "--", STAGE], { cwd: PROJECT_ROOT, env: unlockEnv });
  const check = () => ran("bash", [join(PROJECT_ROOT, ".github", "scripts", "deployed-outputs.sh"), outputsFile(), STACK, outdir()], { cwd: scratch, env: process.env });

  test("cdktf exits 0 without outputs and the pipeline's check fails in one line; local:unlock refuses while terraform runs, then releases the dead one's lock saying which and why; the deploy run again completes", async () => {
    const first = deploy();
    let exited = false;
    void first.ended.then(() => (exited = true));
    while ((await lock()) === undefined) {
      if (exited) throw new Error("cdktf deploy ended before its terraform held the lock");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const terraform = descendants(first.child.pid!).find((pid) => commOf(pid) === "terraform");
    if (terraform === undefined) throw new Error("no terraform under cdktf deploy");
    const { ID } = (await lock())!;

    // While that terraform runs (held still, so it cannot finish meanwhile), its lock is not released.
    process.kill(terraform, "SIGSTOP");
    const refused = await unlock();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^Error: the state of ${STACK} is locked by a terraform still running on this host \\(pid ${terraform} in \\S+/stacks/${STACK}; apply by \\S+ since .+\\): wait for it to finish, or stop it, then run this command again$`, "m"));

    process.kill(terraform, "SIGKILL");
    // cdktf's own behaviour, and why the pipeline checks what a deploy produced.
    expect(await first.ended).toBe(0);
    expect(isAlive(terraform)).toBe(false);
    expect((await lock())?.ID).toBe(ID);
    const failed = await check();
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toMatch(new RegExp(`^::error::the deploy of ${STACK} did not produce its outputs \\(ApiEndpoint, .*UserPoolId missing from \\S+\\): it did not complete, whatever cdktf's exit code; see the deploy step's log$`));

    const released = await unlock();
    expect(released.code).toBe(0);
    expect(released.stdout.trim()).toMatch(new RegExp(`^released the state lock ${ID} of \\S+ \\(apply by \\S+ since .+\\): its terraform is gone, no terraform process on this host works on that state$`));
    expect(await lock()).toBeUndefined();

    expect(await deploy().ended).toBe(0);
    const passed = await check();
    expect(passed).toEqual({ code: 0, stdout: expect.stringContaining(`the deploy of ${STACK} produced every output it declares`), stderr: "" });
  }, 300_000);
});

/** `pid`'s descendants, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // ended while we looked
    }
  }
  const found: number[] = [];
  for (let generation = [pid]; generation.length > 0; ) {
    generation = [...parents].filter(([, parent]) => generation.includes(parent)).map(([child]) => child);
    found.push(...generation);
  }
  return found;
}

/** The command name of `pid`, or "" once it is gone. */
function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
