import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET } from "../../config";
import { showProgress } from "../../tools/cli/terminal";
import { LocalCloud, startLocalCloud } from "../../tools/local-cloud/front";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { motoMissing } from "../../tools/local-cloud/moto";
import { deployStack, Outputs } from "../../tools/terraform/local-deploy";
import { stageStack, synthesize, SynthesizedStack } from "../../tools/terraform/synthesize";
import { cliConfigFile, terraform, terraformMissing } from "../../tools/terraform/terraform";
import { describeWhen } from "../support/requires";

const STATE_KEY = "api-auth-cognito/dev/us-east-1/terraform.tfstate";

/**
 * The deployer under faults, with the real Terraform and moto: a deploy whose Terraform is killed with SIGKILL in the
 * middle of its apply is recovered by deploying again; two deploys at once still exclude each other, and the loser
 * says so in one line; a deploy to an endpoint where nothing listens fails at once with one line.
 */
describeWhen(terraformMissing() ?? motoMissing())("local deploy under faults", () => {
  let scratch: string;
  let stack: SynthesizedStack;
  const clouds: LocalCloud[] = [];

  beforeAll(() => {
    cliConfigFile();
    scratch = mkdtempSync(join(tmpdir(), "local-deploy-faults-"));
    stack = stageStack(synthesize(join(scratch, "out"), { stages: ["dev"] }), "dev");
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clouds.map((cloud) => cloud.stop()));
    rmSync(scratch, { recursive: true, force: true });
  }, 30_000);

  async function freshCloud(name: string): Promise<LocalCloud> {
    const cloud = await startLocalCloud({ logFile: join(scratch, `${name}-moto.log`) });
    clouds.push(cloud);
    return cloud;
  }

  test("kill -9 of terraform mid-apply: the next deploy releases the stale lock, adopts what was created, and succeeds", async () => {
    const cloud = await freshCloud("kill");
    const workdir = join(scratch, "kill");
    let killed = false;
    const first = deployStack(stack, cloud.endpoint, workdir, {
      onStart: (pid) => (terraformPid = pid),
      onStdout: (stdout) => {
        if (killed || !/^aws_lambda_function\.\S+: Creating\.\.\.$/m.test(stdout)) return;
        killed = true;
        // A second later the function exists (the provider then waits 5 s before it reads it back): the worst
        // case, since the provider would retry a second CreateFunction's conflict for minutes.
        setTimeout(() => killTree(terraformPid!), 1_000);
      },
    });
    let terraformPid: number | undefined;
    await expect(first).rejects.toThrow(/terraform apply of api-auth-cognito-dev failed/);
    expect(killed).toBe(true);
    // What the dead apply left: its lock, and no state (Terraform had not persisted any yet).
    const s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const lock = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `${STATE_KEY}.tflock` }))).Body!.transformToString());
    expect(lock.ID).toMatch(/^[0-9a-f-]{36}$/);

    const progress = await capturingProgress(() => deployStack(stack, cloud.endpoint, workdir));
    expect(progress.lines).toContainEqual(expect.stringContaining(`released the state lock ${lock.ID} left by terraform pid ${terraformPid}, which is gone`));
    expect(progress.lines).toContainEqual(expect.stringMatching(/adopting \d+ resource\(s\) an interrupted deploy left behind: .*api-auth-cognito-dev-/));
    expectOutputs(progress.result);
    // The same directory, backend and providers as the killed run: init is not run again.
    expect(progress.lines).toContainEqual(expect.stringContaining("terraform init: api-auth-cognito-dev already initialized"));

    // Everything is in the state now: a new plan has nothing to do, and no lock is left.
    const plan = await terraform(["plan", "-detailed-exitcode", "-input=false"], workdir);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    await expect(s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `${STATE_KEY}.tflock` }))).rejects.toThrow();
    s3.destroy();
  }, 300_000);

  test("two deploys at once: the second is refused with one line naming the live holder, the first completes", async () => {
    const cloud = await freshCloud("race");
    // The second starts once the first's Terraform has the lock (its first output), and is settled as it ends.
    let second: Promise<string> | undefined;
    const first = deployStack(stack, cloud.endpoint, join(scratch, "race-a"), {
      onStdout: () =>
        (second ??= deployStack(stack, cloud.endpoint, join(scratch, "race-b")).then(
          () => "the second deploy succeeded",
          (error: Error) => error.message,
        )),
    });
    expectOutputs(await first);
    expect(second).toBeDefined();
    const refusal = await second!;
    expect(refusal).toMatch(/^the state of api-auth-cognito-dev is locked by another deploy \(terraform pid \d+ on \S+, still running; apply since .+\): wait for it to finish/);
    expect(refusal).toContain("force-unlock -force");
    expect(refusal).not.toContain("\n");
  }, 300_000);

  test("the local cloud dies in the middle of an apply: the deploy fails soon after with one line", async () => {
    const cloud = await freshCloud("dies");
    let stopped: Promise<void> | undefined;
    const error = await deployStack(stack, cloud.endpoint, join(scratch, "dies"), {
      onStdout: (stdout) => {
        if (/^aws_lambda_function\.\S+: Creating\.\.\.$/m.test(stdout)) stopped ??= cloud.stop();
      },
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    await stopped;
    expect(error?.message).toMatch(/^the local cloud at http:\/\/127\.0\.0\.1:\d+ stopped answering during the deploy of api-auth-cognito-dev \(ECONNREFUSED\): start it again, then run this command again$/);
  }, 120_000);

  test("a deploy to an endpoint where nothing listens fails at once with one line", async () => {
    const port = await closedPort();
    const error = await deployStack(stack, `http://127.0.0.1:${port}`, join(scratch, "closed")).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `the local cloud at http://127.0.0.1:${port} does not answer (ECONNREFUSED): start it with \`npm run local:up\`, or check the endpoint`,
    );
  }, 30_000);
});

function expectOutputs(outputs: Outputs): void {
  expect(Object.keys(outputs).sort()).toEqual(["ApiEndpoint", "ApiId", "IdentityPoolId", "Region", "UserPoolClientId", "UserPoolId"]);
  expect(outputs.UserPoolId).toMatch(/^us-east-1_\w+$/);
}

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
