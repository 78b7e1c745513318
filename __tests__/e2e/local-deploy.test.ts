import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../config";
import { showProgress } from "../../tools/cli/terminal";
import { startLocalCloud } from "../../tools/local-cloud/front";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { deployStack, prepareLocalStack } from "../../tools/terraform/local-deploy";
import { cliConfigFile, terraform } from "../../tools/terraform/terraform";
import { probeStack } from "../support/probe-stack";
import { describeWhen, missing } from "../support/requires";
import { SharedCloud, sharedCloud } from "../support/shared";
import { ownFolder } from "../support/test-run";

/** The Lambda creation that gives each test its window: the provider waits 5 s after CreateFunction. */
const CREATING_FUNCTION = /^aws_lambda_function\.\S+: Creating\.\.\.$/m;

/**
 * The deployer (local-deploy.ts) with the real Terraform and moto, on probe stacks (support/probe-stack.ts) of each
 * test's own in the run's shared local cloud: a deploy whose Terraform is killed with SIGKILL in the middle of its
 * apply is recovered by deploying again; two deploys at once exclude each other through the state lock, the loser
 * says so in one line, and the winner's state is whole; a cloud that dies during an apply, or an endpoint where
 * nothing listens, is one line.
 */
describeWhen(missing("terraform", "moto"))("the local deployer: its lock, and faults", () => {
  let scratch: string;
  let cloud: SharedCloud;
  let s3: S3Client;

  beforeAll(async () => {
    cliConfigFile();
    scratch = ownFolder("local-deploy");
    cloud = await sharedCloud();
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  }, 300_000);

  afterAll(() => s3?.destroy());

  /** The state object of a probe stack, or of its lock with `.tflock`. */
  const stateObject = async (name: string, suffix = "") =>
    JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `probe/${name}/terraform.tfstate${suffix}` }))).Body!.transformToString());

  test("kill -9 of terraform mid-apply: the next deploy releases the stale lock, adopts what was created, and succeeds", async () => {
    const stack = probeStack(scratch, "probe-killed");
    const workdir = join(scratch, "killed");
    let terraformPid: number | undefined;
    let killed = false;
    const first = deployStack(stack, cloud.endpoint, workdir, {
      onStart: (pid) => (terraformPid = pid),
      onStdout: (stdout) => {
        if (killed || !CREATING_FUNCTION.test(stdout)) return;
        killed = true;
        // A second later the function exists (the provider then waits 5 s before it reads it back): the worst
        // case, since the provider would retry a second CreateFunction's conflict for minutes.
        setTimeout(() => killTree(terraformPid!), 1_000);
      },
    });
    await expect(first).rejects.toThrow(/terraform apply of probe-killed failed/);
    expect(killed).toBe(true);
    // What the dead apply left: its lock, and no state (Terraform had not persisted any yet).
    const lock = await stateObject("probe-killed", ".tflock");
    expect(lock.ID).toMatch(/^[0-9a-f-]{36}$/);

    const progress = await capturingProgress(() => deployStack(stack, cloud.endpoint, workdir));
    expect(progress.lines).toContainEqual(expect.stringContaining(`released the state lock ${lock.ID} left by terraform pid ${terraformPid}, which is gone`));
    expect(progress.lines).toContainEqual(expect.stringMatching(/adopting 3 resource\(s\) an interrupted deploy left behind: .*probe-killed/));
    expect(progress.result).toEqual({ FunctionName: "probe-killed" });
    // The same directory, backend and providers as the killed run: init is not run again.
    expect(progress.lines).toContainEqual(expect.stringContaining("terraform init: probe-killed already initialized"));

    // Everything is in the state now: a new plan has nothing to do, and no lock is left.
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], workdir);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    await expect(stateObject("probe-killed", ".tflock")).rejects.toThrow();
  }, 300_000);

  test("two deploys at once: the second is refused with one line naming the live holder; the first completes, and its state is whole", async () => {
    const stack = probeStack(scratch, "probe-raced");
    // The second starts once the first's Terraform has the lock (its first output), and is settled as it ends.
    let second: Promise<string> | undefined;
    const first = deployStack(stack, cloud.endpoint, join(scratch, "race-a"), {
      onStdout: () =>
        (second ??= deployStack(stack, cloud.endpoint, join(scratch, "race-b")).then(
          () => "the second deploy succeeded",
          (error: Error) => error.message,
        )),
    });
    expect(await first).toEqual({ FunctionName: "probe-raced" });
    expect(second).toBeDefined();
    const refusal = await second!;
    expect(refusal).toMatch(/^the state of probe-raced is locked by another deploy \(terraform pid \d+ on \S+, still running; apply since .+\): wait for it to finish/);
    expect(refusal).toContain("force-unlock -force");
    expect(refusal).not.toContain("\n");
    // The state survived the race: under the stack's own key, every resource in it, and a plan from a fresh working
    // copy has nothing to do.
    const managed = (await stateObject("probe-raced")).resources.filter((r: { mode: string }) => r.mode === "managed").map((r: { type: string }) => r.type);
    expect(managed.sort()).toEqual(["aws_cloudwatch_log_group", "aws_iam_role", "aws_lambda_function", "aws_s3_object"]);
    const fresh = await prepareLocalStack(stack, cloud.endpoint, join(scratch, "race-fresh"));
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], fresh);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
  }, 300_000);

  test("the local cloud dies in the middle of an apply: the deploy fails soon after with one line", async () => {
    // A cloud of this test's own, since it is stopped.
    const own = await startLocalCloud({ logFile: join(scratch, "dies-moto.log") });
    let stopped: Promise<void> | undefined;
    try {
      const error = await deployStack(probeStack(scratch, "probe-orphaned"), own.endpoint, join(scratch, "dies"), {
        onStdout: (stdout) => {
          if (CREATING_FUNCTION.test(stdout)) stopped ??= own.stop();
        },
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      await stopped;
      expect(error?.message).toMatch(/^the local cloud at http:\/\/127\.0\.0\.1:\d+ stopped answering during the deploy of probe-orphaned \(ECONNREFUSED\): start it again, then run this command again$/);
    } finally {
      await own.stop();
    }
  }, 120_000);

  test("a deploy to an endpoint where nothing listens fails at once with one line", async () => {
    const port = await closedPort();
    const error = await deployStack(probeStack(scratch, "probe-nowhere"), `http://127.0.0.1:${port}`, join(scratch, "closed")).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `the local cloud at http://127.0.0.1:${port} does not answer (ECONNREFUSED): start it with \`npm run local:up\`, or check the endpoint`,
    );
  }, 30_000);
});

/** SIGKILL to a process and everything it started (Terraform and its provider plugin), leaves first. */
function killTree(pid: number): void {
  for (const child of childrenOf(pid)) killTree(child);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function childrenOf(pid: number): number[] {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((task) => {
    try {
      return readFileSync(join(tasks, task, "children"), "utf8").split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** Runs `body` with the tools' progress lines on, and returns them with its result. */
async function capturingProgress<T>(body: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk).trim());
    return true;
  });
  showProgress(true);
  try {
    return { result: await body(), lines };
  } finally {
    showProgress(false);
    write.mockRestore();
  }
}

/** A loopback port nothing listens on: one the OS just handed out and was closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
