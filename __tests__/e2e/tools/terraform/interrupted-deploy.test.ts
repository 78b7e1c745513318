import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET, stackName } from "../../../../app/config";
import { isAlive, SAME_STOP_WITHIN_MS } from "../../../../tools/cli/lifecycle";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { descendants, gone, Job, ProcessInfo } from "../../../support/job";
import { describeWhen, missing } from "../../../support/requires";
import { sharedCloud } from "../../../support/shared";
import { ownFolder } from "../../../support/test-run";

/**
 * An interrupted deploy or destroy, with the real commands as a user runs them (`npm run local:deploy` and
 * `local:destroy`, each in a process group of its own, as a terminal runs a job): Ctrl-C and SIGTERM wait for Terraform
 * to release the state lock, a second Ctrl-C stops waiting, and `kill -9` at the moment Terraform holds the lock leaves
 * nothing the next run does not release, saying which lock and why.
 */

/** How a test that interrupts a command waits: until `moment` holds, or fails if the job ends first. */
async function until(job: Job, moment: () => boolean | Promise<boolean>, what: string): Promise<void> {
  while (!(await moment())) {
    if (job.child.exitCode !== null || job.child.signalCode !== null) throw new Error(`the job ended before ${what}:\n${job.stdout}\n${job.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Terraform a tool runs (under its guard), the guard, and the provider plugins Terraform started. */
function terraformUnder(toolPid: number): { terraform: ProcessInfo; guard: ProcessInfo; providers: ProcessInfo[] } | undefined {
  const all = descendants(toolPid);
  const terraform = all.find((p) => p.args[0] === "terraform");
  if (!terraform) return undefined;
  const guard = all.find((p) => p.pid === terraform.parent)!;
  return { terraform, guard, providers: all.filter((p) => p.parent === terraform.pid && p.args[0]?.includes("terraform-provider-aws")) };
}

describeWhen(missing("terraform", "moto"))("npm run local:deploy and local:destroy: Ctrl-C, SIGTERM, kill -9", () => {
  const jobs: Job[] = [];
  let s3: S3Client;
  let cloudRecord: string;
  afterEach(() => jobs.splice(0).forEach((job) => job.kill()));
  beforeAll(async () => {
    const cloud = await sharedCloud();
    cloudRecord = cloud.record;
    s3 = new S3Client({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  }, 300_000);
  afterAll(() => s3?.destroy());

  /**
   * `npm run <script> -- <stage>` in `checkout` (a folder of the test's own, as one clone of the project), attached to
   * the run's shared local cloud through a copy of its record.
   */
  function command(script: "local:deploy" | "local:destroy", stage: string, checkout: string): Job {
    const record = join(checkout, "work", "local", "cloud.json");
    mkdirSync(dirname(record), { recursive: true });
    copyFileSync(cloudRecord, record);
    const job = new Job(script, checkout, [stage]);
    jobs.push(job);
    return job;
  }

  /** The stage's state lock, as the S3 backend of the stack the checkout synthesized names it, or `undefined`. */
  async function lockOf(stage: string, checkout: string): Promise<{ ID: string } | undefined> {
    const stack = stackName({ name: stage });
    const synthesized = join(checkout, "work", "synth", "local", "stacks", stack, "cdk.tf.json");
    if (!existsSync(synthesized)) return undefined;
    const { key } = JSON.parse(readFileSync(synthesized, "utf8")).terraform.backend.s3;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_STATE_BUCKET, Key: `${key}.tflock` }));
      return JSON.parse(await object.Body!.transformToString());
    } catch {
      return undefined;
    }
  }

  /** Runs `script` until its Terraform holds the stage's lock; returns the job, its tool and what runs under it. */
  async function holdingTheLock(script: "local:deploy" | "local:destroy", stage: string, checkout: string) {
    const job = command(script, stage, checkout);
    await until(job, async () => (await lockOf(stage, checkout)) !== undefined, "its terraform held the lock");
    const tool = job.tool(`${script.replace(":", "-")}.ts`);
    const running = terraformUnder(tool.pid);
    if (!running) throw new Error(`no terraform under ${script} (pid ${tool.pid})`);
    return { job, tool, ...running };
  }

  /** Runs `script` to its end, and expects it to succeed; returns what it printed on stderr. */
  async function completes(script: "local:deploy" | "local:destroy", stage: string, checkout: string): Promise<string> {
    const job = command(script, stage, checkout);
    const { code } = await job.ended;
    expect({ code, stderr: job.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return job.stderr;
  }

  test.each([
    ["Ctrl-C (SIGINT to the job)", "SIGINT", "group", 130],
    ["SIGTERM to the npm process", "SIGTERM", "npm", 143],
  ] as const)("%s during local:deploy: the tool says it waits for terraform to release the state lock, and exits once it has, leaving no lock and no process", async (_name, signal, target, exitCode) => {
    const checkout = ownFolder("local-deploy-stopped");
    const stage = `stop${signal.toLowerCase().slice(3)}`;
    const { job, tool, terraform, guard, providers } = await holdingTheLock("local:deploy", stage, checkout);
    process.kill(target === "npm" ? job.pid : -job.pid, signal);
    const { code, signal: npmSignal } = await job.ended;
    await gone([tool.pid]);
    // npm reports the tool's status, or dies of the signal itself; npm's SIGTERM reaches the tool as its parent's end.
    if (target === "group") expect(code === exitCode || npmSignal === signal).toBe(true);
    expect(job.stderr).toContain(`waiting for terraform apply (pid ${terraform.pid}) to release the state lock…`);
    // The tool ended only once Terraform had released the lock, and had ended with its provider.
    expect(await lockOf(stage, checkout)).toBeUndefined();
    expect([terraform, guard, ...providers].map((p) => p.pid).filter(isAlive)).toEqual([]);
    await job.groupEmpty();
  }, 180_000);

  test("Ctrl-C twice during an apply: the second leaves terraform to stop on its own, saying so and what to run; it then releases the lock, and local:deploy run again completes", async () => {
    const checkout = ownFolder("local-deploy-abandoned");
    const { job, tool, terraform } = await holdingTheLock("local:deploy", "abandoned", checkout);
    // A Terraform slow to stop (held still: it stops within a second otherwise, before anyone could press Ctrl-C again).
    process.kill(terraform.pid, "SIGSTOP");
    process.kill(-job.pid, "SIGINT");
    // A second Ctrl-C, not the first one delivered twice (tsx may relay it): later than the tool takes for the same,
    // counted from when this test saw the tool take the first (it says so then), never from when it was sent, which a
    // busy machine may deliver late. npm itself ends at the first; the tool waits.
    let first: number | undefined;
    while (!(job.stderr.includes("waiting for terraform apply") && first !== undefined && Date.now() - first > SAME_STOP_WITHIN_MS)) {
      if (first === undefined && job.stderr.includes("SIGINT: stopping")) first = Date.now();
      if (!isAlive(tool.pid)) throw new Error(`the tool ended before the second Ctrl-C:\n${job.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(-job.pid, "SIGINT");
    await gone([tool.pid]);
    expect(job.stderr).toContain("SIGINT again: exiting without waiting for the stops");
    expect(job.stderr).toContain(
      `left terraform apply (pid ${terraform.pid}) to stop on its own (its guard kills it after 60 s): if it leaves its state lock, the next local:deploy, local:destroy, dev or local:unlock of the stage releases it`,
    );
    // Once it runs again, it stops gracefully, as the first Ctrl-C asked (its guard does not interrupt it again), and
    // releases its lock.
    expect(await lockOf("abandoned", checkout)).toBeDefined();
    process.kill(terraform.pid, "SIGCONT");
    await gone([terraform.pid]);
    expect(await lockOf("abandoned", checkout)).toBeUndefined();
    expect(await completes("local:deploy", "abandoned", checkout)).toMatch(/terraform apply/);
  }, 240_000);

  test("kill -9 of the tool, terraform's guard and terraform while it holds the lock: local:deploy run again releases the lock, saying which and why, and completes; then SIGTERM to local:destroy waits for terraform, and local:destroy run again completes", async () => {
    const checkout = ownFolder("local-deploy-killed");
    const { tool, terraform, guard } = await holdingTheLock("local:deploy", "killed", checkout);
    const lock = (await lockOf("killed", checkout))!;
    // Nothing is left to release the lock: the dead terraform's lock stays, with no record of who took it.
    for (const pid of [guard.pid, terraform.pid, tool.pid]) process.kill(pid, "SIGKILL");
    await gone([guard.pid, terraform.pid, tool.pid]);
    expect((await lockOf("killed", checkout))?.ID).toBe(lock.ID);

    const stderr = await completes("local:deploy", "killed", checkout);
    expect(stderr).toMatch(new RegExp(`released the state lock ${lock.ID} of \\S+ \\(apply by \\S+ since .+\\): its terraform is gone, no terraform process on this host works on that state`));

    const destroying = await holdingTheLock("local:destroy", "killed", checkout);
    process.kill(destroying.tool.pid, "SIGTERM");
    await destroying.job.ended;
    expect(destroying.job.stderr).toContain(`waiting for terraform destroy (pid ${destroying.terraform.pid}) to release the state lock…`);
    expect(await lockOf("killed", checkout)).toBeUndefined();
    expect(await completes("local:destroy", "killed", checkout)).toMatch(/terraform destroy/);
  }, 300_000);
});
