import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../../../app/config";
import { isAlive } from "../../../../tools/cli/lifecycle";
import { showProgress } from "../../../../tools/cli/terminal";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalCloud } from "../../../../tools/local-cloud";
import { deployStack, destroyStack, prepareLocalStack } from "../../../../tools/terraform/local-deploy";
import { cliConfigFile, terraform } from "../../../../tools/terraform/terraform";
import { probeStack } from "../../../support/probe-stack";
import { describeWhen, missing } from "../../../support/requires";
import { SharedCloud, sharedCloud } from "../../../support/shared";
import { ownFolder } from "../../../support/test-run";

/** The Lambda creation that gives each test its window: the provider waits 5 s after CreateFunction. */
const CREATING_FUNCTION = /^aws_lambda_function\.\S+: Creating\.\.\.$/m;

/**
 * The deployer (local-deploy.ts) with the real Terraform and moto, on probe stacks (support/probe-stack.ts) of each
 * test's own in the run's shared local cloud: a deploy whose Terraform is killed with SIGKILL, at any moment of its
 * apply, says so in one line, releases the lock its dead Terraform left (saying which and why), leaves no provider
 * process, and is recovered by deploying again; the same for a destroy; two deploys at once exclude each other
 * through the state lock, the loser (a deploy or a destroy) says so in one line naming the live holder, and the
 * winner's state is whole; a cloud that dies during an apply, or an endpoint where nothing listens, is one line.
 */
describeWhen(missing("terraform", "moto"))("the local deployer: its lock, and faults", () => {
  let scratch: string;
  let cloud: SharedCloud;
  let s3: S3Client;
  let lambda: LambdaClient;

  beforeAll(async () => {
    cliConfigFile();
    scratch = ownFolder("local-deploy");
    cloud = await sharedCloud();
    const config = { endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    s3 = new S3Client({ ...config, forcePathStyle: true });
    lambda = new LambdaClient(config);
  }, 300_000);

  afterAll(() => {
    s3?.destroy();
    lambda?.destroy();
  });

  /** The state object of a probe stack, or of its lock with `.tflock`. */
  const stateObject = async (name: string, suffix = "") =>
    JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `probe/${name}/terraform.tfstate${suffix}` }))).Body!.transformToString());

  /** The lock of a probe stack's state, or `undefined` while there is none. */
  const lockOf = (name: string) => stateObject(name, ".tflock").catch(() => undefined) as Promise<{ ID: string } | undefined>;

  /**
   * Runs `command` (a deploy or destroy) and, once `moment` holds, SIGKILLs its Terraform (that process only, by pid),
   * noting the AWS provider Terraform started. Resolves with how the command failed, the pids, and the lock the dead
   * Terraform held.
   */
  async function killTerraformWhen(command: (watch: { onStart: (pid: number) => void }) => Promise<unknown>, moment: () => Promise<boolean>, name: string) {
    let terraformPid: number | undefined;
    const outcome = command({ onStart: (pid) => (terraformPid = pid) }).then(
      () => new Error("the command succeeded"),
      (error: Error) => error,
    );
    let settled = false;
    void outcome.then(() => (settled = true));
    for (;;) {
      if (settled) throw new Error(`the command ended before the moment to kill came: ${(await outcome).message}`);
      if (terraformPid !== undefined && (await moment())) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lock = await lockOf(name);
    const provider = childrenOf(terraformPid!).filter((pid) => /^terraform-provi/.test(commOf(pid)));
    process.kill(terraformPid!, "SIGKILL");
    return { error: await outcome, terraformPid: terraformPid!, provider, lock };
  }

  test("kill -9 of terraform mid-apply: the deploy says so and releases the lock the dead terraform left, no provider outlives it, and the next deploy adopts what was created and succeeds", async () => {
    const stack = probeStack(scratch, "probe-killed");
    const workdir = join(scratch, "killed");
    // Killed once the function exists (the provider then waits 5 s before it reads it back): the worst case, since
    // the provider would retry a second CreateFunction's conflict for minutes.
    const functionExists = () => lambda.send(new GetFunctionCommand({ FunctionName: "probe-killed" })).then(() => true, () => false);
    const { error, provider, lock } = await killTerraformWhen((watch) => deployStack(stack, cloud.endpoint, workdir, watch), functionExists, "probe-killed");
    expect(lock?.ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toMatch(new RegExp(`^terraform apply of probe-killed was killed by SIGKILL; released the state lock ${lock!.ID} of probe/probe-killed/terraform\\.tfstate \\(apply by \\S+@\\S+ since .+\\): its terraform is gone, no terraform process on this host works on that state; run this command again: it adopts what the killed apply created$`));
    // Nothing of the dead apply runs on: its provider ended with it, and its lock is gone.
    expect(provider.length).toBeGreaterThan(0);
    expect(provider.filter(isAlive)).toEqual([]);
    expect(await lockOf("probe-killed")).toBeUndefined();

    const progress = await capturingProgress(() => deployStack(stack, cloud.endpoint, workdir));
    expect(progress.lines).toContainEqual(expect.stringMatching(/adopting 3 resource\(s\) an interrupted deploy left behind: .*probe-killed/));
    expect(progress.result).toEqual({ FunctionName: "probe-killed" });
    // The same directory, backend and providers as the killed run: init is not run again.
    expect(progress.lines).toContainEqual(expect.stringContaining("terraform init: probe-killed already initialized"));

    // Everything is in the state now: a new plan has nothing to do, and no lock is left.
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], workdir);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    expect(await lockOf("probe-killed")).toBeUndefined();
  }, 300_000);

  test("kill -9 of terraform the moment it holds the lock, before it prints anything: the deploy says so, releases the lock, and the next deploy succeeds", async () => {
    const stack = probeStack(scratch, "probe-early");
    const workdir = join(scratch, "early");
    const locked = async () => (await lockOf("probe-early")) !== undefined;
    const { error, lock } = await killTerraformWhen((watch) => deployStack(stack, cloud.endpoint, workdir, watch), locked, "probe-early");
    expect(error.message).toContain(`terraform apply of probe-early was killed by SIGKILL; released the state lock ${lock!.ID} of probe/probe-early/terraform.tfstate`);
    expect(error.message).not.toContain("\n");
    expect(await lockOf("probe-early")).toBeUndefined();
    expect(await deployStack(stack, cloud.endpoint, workdir)).toEqual({ FunctionName: "probe-early" });
  }, 300_000);

  test("kill -9 of terraform mid-destroy: the destroy says so and releases the lock; the next destroy completes", async () => {
    const stack = probeStack(scratch, "probe-undone");
    const workdir = join(scratch, "undone");
    await deployStack(stack, cloud.endpoint, workdir);
    const locked = async () => (await lockOf("probe-undone")) !== undefined;
    const { error, lock } = await killTerraformWhen((watch) => destroyStack(stack, cloud.endpoint, workdir, watch), locked, "probe-undone");
    expect(error.message).toContain(`terraform destroy of probe-undone was killed by SIGKILL; released the state lock ${lock!.ID} of probe/probe-undone/terraform.tfstate`);
    expect(await lockOf("probe-undone")).toBeUndefined();
    await destroyStack(stack, cloud.endpoint, workdir);
    expect((await stateObject("probe-undone")).resources).toEqual([]);
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "probe-undone" }))).rejects.toThrow();
  }, 300_000);

  test("a deploy and a destroy while another deploy runs: each is refused with one line naming the live holder; the first completes, and its state is whole", async () => {
    const stack = probeStack(scratch, "probe-raced");
    // The others start once the first's Terraform has the lock (its first output), and are settled as they end.
    let others: Promise<string[]> | undefined;
    let holder: number | undefined;
    const refusal = (command: Promise<unknown>) => command.then(() => "it succeeded", (error: Error) => error.message);
    const first = deployStack(stack, cloud.endpoint, join(scratch, "race-a"), {
      onStart: (pid) => (holder = pid),
      onStdout: () =>
        (others ??= Promise.all([
          refusal(deployStack(stack, cloud.endpoint, join(scratch, "race-b"))),
          refusal(destroyStack(stack, cloud.endpoint, join(scratch, "race-c"))),
        ])),
    });
    expect(await first).toEqual({ FunctionName: "probe-raced" });
    expect(others).toBeDefined();
    for (const message of await others!) {
      // The other refused command's terraform may still be there too, trying for the lock: it is named as well.
      expect(message).toMatch(/^the state of probe-raced is locked by a terraform still running on this host \(.*; apply by \S+ since .+\): wait for it to finish, or stop it, then run this command again$/);
      expect(message).toContain(`pid ${holder} in ${join(scratch, "race-a")}`);
    }
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

/** The command name of `pid` (`terraform-provi`, cut at 15 characters), or "" once it is gone. */
function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
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
