import { ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_STATE_BUCKET, stackName } from "../../config";
import { isAlive, SAME_STOP_WITHIN_MS } from "../../tools/cli/lifecycle";
import { LambdaRunner } from "../../tools/local-api/lambda-runner";
import { startLocalCloud } from "../../tools/local-cloud/front";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/local-account";
import { describeWhen, missing } from "../support/requires";
import { sharedCloud } from "../support/shared";
import { isolatedEnv, ownFolder } from "../support/test-run";

/**
 * The local loop survives faults and stops cleanly, with the real commands as a user runs them (`npm run local:up`,
 * `npm run dev`, `npm run local:deploy` and `local:destroy`, each in a process group of its own, as a terminal runs a
 * job): moto's death is reported and ends the command; Ctrl-C, SIGTERM to npm and SIGHUP leave no process and no
 * temporary folder, and a deploy or destroy they interrupt waits for Terraform to release the state lock; `kill -9`
 * leaves nothing the next start or deploy does not clean.
 */

const ROOT = join(__dirname, "..", "..");

/** A process as /proc tells it. */
interface ProcessInfo {
  readonly pid: number;
  readonly parent: number;
  readonly group: number;
  readonly args: string[];
}

/** Every process of this machine that we may read. */
function processes(): ProcessInfo[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const [state, parent, group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (state === "Z") return [];
        const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
        return [{ pid: Number(name), parent: Number(parent), group: Number(group), args }];
      } catch {
        return []; // ended while we looked
      }
    });
}

/** `pid`'s descendants, children first. */
function descendants(pid: number): ProcessInfo[] {
  const all = processes();
  const found: ProcessInfo[] = [];
  for (let generation = all.filter((p) => p.parent === pid); generation.length > 0; ) {
    found.push(...generation);
    generation = all.filter((p) => generation.some((parent) => parent.pid === p.parent));
  }
  return found;
}

/**
 * A command started as a terminal starts a job: in a process group of its own, led by npm, with a folder of its own
 * for the tools' scratch and temp files (two jobs given the same folder see each other's records, as two commands of
 * one checkout do).
 */
class Job {
  readonly child: ChildProcess;
  /** The running local cloud's record, where this job's commands keep it. */
  readonly cloudRecord: string;
  /** The job's temp folder (TMPDIR). */
  readonly temp: string;
  stdout = "";
  stderr = "";
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, dir: string, args: readonly string[] = [], extraEnv: NodeJS.ProcessEnv = {}) {
    // Free ports, never the fixed defaults, and folders of its own: a developer's own local:up may hold the ports and
    // its record, and test files run in parallel.
    const env = isolatedEnv(dir, extraEnv);
    this.cloudRecord = join(env.API_AUTH_COGNITO_WORK_DIR!, "local", "cloud.json");
    this.temp = env.TMPDIR!;
    this.child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    this.child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.ended = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once stdout has a line matching `pattern`; rejects, with the output, if the job ends first. */
  async printed(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the job ended before printing ${pattern}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The tool itself: the node process that runs tools/bin/<file> under tsx. */
  tool(file: string): ProcessInfo {
    const tool = descendants(this.pid).find((p) => p.args.some((arg) => arg.endsWith(`tools/bin/${file}`)) && p.args.some((arg) => arg.includes("loader")));
    if (!tool) throw new Error(`no process of tools/bin/${file} under npm (pid ${this.pid})`);
    return tool;
  }

  /** Every process in the job's group still there (npm, sh, tsx, the tool, workers, Terraform). */
  groupLeft(): ProcessInfo[] {
    return processes().filter((p) => p.group === this.pid);
  }

  /** Waits until no process of the job's group is left (tsx ends just after its child), or fails naming those left. */
  async groupEmpty(): Promise<void> {
    await gone(this.groupLeft().map((p) => p.pid)).catch(() => undefined);
    expect(this.groupLeft().map((p) => p.args.join(" "))).toEqual([]);
  }

  /** Ends whatever is left of the job, for a test that failed half way. */
  kill(): void {
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The helper whose command ends with `command`, run by a process guard of the tool; `undefined` when there is none. */
function guardedHelper(toolPid: number, command: string): { helper: ProcessInfo; guard: ProcessInfo } | undefined {
  const all = descendants(toolPid);
  const guards = all.filter((p) => p.parent === toolPid && p.args.some((arg) => arg.endsWith("process-guard.cjs")));
  const helper = all.find((p) => guards.some((g) => g.pid === p.parent) && p.args.some((arg) => arg.endsWith(command)));
  return helper && { helper, guard: guards.find((g) => g.pid === helper.parent)! };
}

/** moto and its guard under a tool, and moto's socket directory. */
function motoOf(toolPid: number): { moto: ProcessInfo; guard: ProcessInfo; socketDir: string } {
  const found = guardedHelper(toolPid, "moto_server");
  if (!found) throw new Error(`no moto under pid ${toolPid}`);
  const { helper: moto, guard } = found;
  const socket = moto.args[moto.args.indexOf("-H") + 1].replace(/^unix:\/\//, "");
  return { moto, guard, socketDir: dirname(socket) };
}

/** Waits until `pids` have all ended, or throws naming those left after `timeoutMs`. */
async function gone(pids: readonly number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`still running: ${pids.filter(isAlive).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LOCAL_UP_READY = /^Local cloud on (http:\/\/127\.0\.0\.1:\d+)/m;

describeWhen(missing("moto"))("npm run local:up: faults and every way of stopping", () => {
  const jobs: Job[] = [];
  afterEach(() => jobs.splice(0).forEach((job) => job.kill()));

  /** A running local:up, with the pids of everything it started; in `dir`, or a folder of its own. */
  async function localUp(dir = ownFolder("local-up")) {
    const job = new Job("local:up", dir);
    jobs.push(job);
    const [, endpoint] = await job.printed(LOCAL_UP_READY);
    const tool = job.tool("local-up.ts");
    return { job, endpoint, tool, ...motoOf(tool.pid) };
  }

  test("moto killed under local:up: the command says what died and what to run, exits 1, and leaves nothing", async () => {
    const { job, moto, guard, socketDir, tool } = await localUp();
    process.kill(moto.pid, "SIGKILL");
    const { code } = await job.ended;
    expect(code).toBe(1);
    expect(job.stderr).toContain(`moto_server (pid ${moto.pid}) exited (killed by SIGKILL)`);
    expect(job.stderr).toContain("npm run local:up");
    // One line, no stack trace.
    expect(job.stderr.trim().split("\n").filter((line) => line.startsWith("Error:"))).toHaveLength(1);
    expect(job.stderr).not.toMatch(/^\s+at /m);
    await gone([guard.pid, tool.pid]);
    await job.groupEmpty();
    expect(existsSync(socketDir)).toBe(false);
    expect(existsSync(job.cloudRecord)).toBe(false);
  }, 60_000);

  test.each([
    ["SIGTERM to the npm process", "SIGTERM", "npm", 143],
    ["SIGHUP to the job (the terminal closed)", "SIGHUP", "group", 129],
    ["Ctrl-C (SIGINT to the job)", "SIGINT", "group", 130],
  ] as const)("%s stops moto, its guard, the tool and tsx, and removes moto's folder and the record", async (_name, signal, target, exitCode) => {
    const { job, moto, guard, socketDir, tool, endpoint } = await localUp();
    expect(existsSync(job.cloudRecord)).toBe(true);
    process.kill(target === "npm" ? job.pid : -job.pid, signal);
    const { code, signal: npmSignal } = await job.ended;
    // npm reports the child's status, or dies of the signal itself; either way it does not claim success.
    expect(code === exitCode || npmSignal === signal).toBe(true);
    await gone([moto.pid, guard.pid, tool.pid]);
    await job.groupEmpty();
    expect(existsSync(socketDir)).toBe(false);
    expect(existsSync(job.cloudRecord)).toBe(false);
    await expect(fetch(`${endpoint}/`)).rejects.toThrow();
  }, 60_000);

  test("kill -9 of the tool: moto's guard stops moto and removes its folder; the next start forgets the stale record and says so", async () => {
    const checkout = ownFolder("local-up-killed");
    const first = await localUp(checkout);
    process.kill(first.tool.pid, "SIGKILL");
    await gone([first.moto.pid, first.guard.pid]);
    expect(existsSync(first.socketDir)).toBe(false);
    // The record could not be removed by a process killed outright: the next start does it.
    expect(JSON.parse(readFileSync(first.job.cloudRecord, "utf8")).pid).toBe(first.tool.pid);
    first.job.kill();

    const second = await localUp(checkout);
    expect(second.job.stderr).toContain(`the local cloud of pid ${first.tool.pid} ended without cleaning up`);
    expect(JSON.parse(readFileSync(second.job.cloudRecord, "utf8")).pid).toBe(second.tool.pid);
    process.kill(second.job.pid, "SIGTERM");
    await gone([second.moto.pid, second.tool.pid]);
  }, 90_000);

  test("kill -9 of the tool and of moto's guard: the next start kills the orphaned moto and removes its folder, and says so", async () => {
    const checkout = ownFolder("local-up-orphaned");
    const first = await localUp(checkout);
    process.kill(first.guard.pid, "SIGKILL");
    process.kill(first.tool.pid, "SIGKILL");
    await gone([first.tool.pid, first.guard.pid]);
    // The one way to orphan moto: nothing was left to stop it.
    expect(isAlive(first.moto.pid)).toBe(true);
    first.job.kill();

    const second = await localUp(checkout);
    expect(second.job.stderr).toContain(`killed its moto_server (pid ${first.moto.pid})`);
    expect(second.job.stderr).toContain(`removed ${first.socketDir}`);
    await gone([first.moto.pid]);
    expect(existsSync(first.socketDir)).toBe(false);
    process.kill(second.job.pid, "SIGTERM");
    await gone([second.moto.pid, second.tool.pid]);
  }, 90_000);
});

describeWhen(missing("moto"))("the local cloud while moto is dead", () => {
  test("cloud.died says what died, and the front answers 503 naming it rather than 500", async () => {
    const cloud = await startLocalCloud({ warmUp: false });
    try {
      process.kill(cloud.motoPid, "SIGKILL");
      expect(await cloud.died).toMatch(new RegExp(`^moto_server \\(pid ${cloud.motoPid}\\) exited \\(killed by SIGKILL\\)`));
      const response = await fetch(`${cloud.endpoint}/`, {
        method: "POST",
        headers: { "x-amz-target": "AWSCognitoIdentityService.ListIdentityPools", "content-type": "application/x-amz-json-1.1" },
        body: "{}",
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { __type: string; message: string };
      expect(body.__type).toBe("ServiceUnavailableException");
      expect(body.message).toContain(`moto_server (pid ${cloud.motoPid}) exited`);
    } finally {
      await cloud.stop();
    }
  }, 30_000);

  test("a hung moto (SIGSTOP) is reported as not answering", async () => {
    const cloud = await startLocalCloud({ warmUp: false });
    try {
      process.kill(cloud.motoPid, "SIGSTOP");
      expect(await cloud.died).toMatch(/stopped answering on .*moto\.sock for 4 s/);
    } finally {
      await cloud.stop();
    }
    expect(isAlive(cloud.motoPid)).toBe(false);
  }, 30_000);

  test("stop() leaves died pending: a stop asked for is no death", async () => {
    const cloud = await startLocalCloud({ warmUp: false });
    await cloud.stop();
    const outcome = await Promise.race([cloud.died, new Promise((resolve) => setTimeout(() => resolve("pending"), 1_500))]);
    expect(outcome).toBe("pending");
    expect(isAlive(cloud.motoPid)).toBe(false);
  }, 30_000);
});

describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev: faults and stopping", () => {
  const jobs: Job[] = [];
  afterEach(() => jobs.splice(0).forEach((job) => job.kill()));

  /** A running `npm run dev` that has served GET /public once, so a handler's worker process runs. */
  async function devServing() {
    const job = new Job("dev", ownFolder("dev"));
    jobs.push(job);
    const [, api] = await job.printed(/Serving the API on (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await fetch(`${api}/public`)).status).toBe(200);
    const tool = job.tool("dev.ts");
    const workers = descendants(tool.pid).filter((p) => p.parent === tool.pid && p.args.some((arg) => arg.includes("bootstrap-")));
    expect(workers.length).toBeGreaterThan(0);
    // The worker's unpacked code, in the runner's own folder of this run.
    const taskRoot = workers[0].args[workers[0].args.findIndex((arg) => arg.includes("bootstrap-")) + 1];
    // The AWS provider dev keeps running for its applies (kept-provider.ts), under a guard of its own.
    const kept = guardedHelper(tool.pid, "-debug");
    if (!kept) throw new Error(`no kept AWS provider under pid ${tool.pid}`);
    return { job, api, tool, workers, provider: [kept.helper.pid, kept.guard.pid], runDir: dirname(taskRoot), ...motoOf(tool.pid) };
  }

  test("SIGTERM to npm stops moto, the kept provider, the API, the handler workers and tsx, and removes the unpacked handlers", async () => {
    const { job, tool, workers, provider, moto, guard, socketDir, runDir } = await devServing();
    expect(existsSync(runDir)).toBe(true);
    process.kill(job.pid, "SIGTERM");
    await job.ended;
    await gone([tool.pid, moto.pid, guard.pid, ...provider, ...workers.map((w) => w.pid)]);
    await job.groupEmpty();
    expect(existsSync(socketDir)).toBe(false);
    expect(existsSync(runDir)).toBe(false);
  }, 180_000);

  test("moto killed under dev: the command says what died and what to run, and exits 1", async () => {
    const { job, tool, workers, moto } = await devServing();
    process.kill(moto.pid, "SIGKILL");
    const { code } = await job.ended;
    expect(code).toBe(1);
    expect(job.stderr).toContain(`moto_server (pid ${moto.pid}) exited (killed by SIGKILL)`);
    expect(job.stderr).toContain("npm run dev");
    await gone([tool.pid, ...workers.map((w) => w.pid)]);
  }, 180_000);

  test("kill -9 of dev: moto, the kept provider and the handler workers end with it; the next runner removes the unpacked handlers left behind", async () => {
    const { job, tool, workers, provider, moto, guard, socketDir, runDir } = await devServing();
    process.kill(tool.pid, "SIGKILL");
    // Workers leave when their channel to the tool closes; the guards stop moto and the provider.
    await gone([moto.pid, guard.pid, ...provider, ...workers.map((w) => w.pid)]);
    expect(existsSync(socketDir)).toBe(false);
    job.kill();
    // The job's temp folder is its own: no other runner on this machine sweeps it meanwhile.
    expect(existsSync(runDir)).toBe(true);
    const next = new LambdaRunner({ tempDir: job.temp });
    expect(existsSync(runDir)).toBe(false);
    await next.stop();
  }, 180_000);

  test("SIGTERM to npm during the deploy: Terraform is interrupted while moto still answers, and nothing is left", async () => {
    const job = new Job("dev", ownFolder("dev-deploying"));
    jobs.push(job);
    while (!/terraform apply/.test(job.stderr)) {
      if (job.child.exitCode !== null) throw new Error(`dev ended before the apply:\n${job.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const tool = job.tool("dev.ts");
    const { moto } = motoOf(tool.pid);
    const terraform = descendants(tool.pid).filter((p) => p.args[0]?.endsWith("terraform") || p.args[0]?.includes("terraform-provider"));
    expect(terraform.length).toBeGreaterThan(0);
    process.kill(job.pid, "SIGTERM");
    await job.ended;
    await gone([tool.pid, moto.pid, ...terraform.map((p) => p.pid)], 60_000);
    await job.groupEmpty();
  }, 180_000);
});


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
    const first = Date.now();
    // A second Ctrl-C, not the first one delivered twice (tsx may relay it): later than the tool takes for the same.
    // npm itself ends at the first; the tool waits.
    while (!(job.stderr.includes("waiting for terraform apply") && Date.now() - first > SAME_STOP_WITHIN_MS)) {
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
