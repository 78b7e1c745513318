import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { isAlive } from "../../../../tools/cli/lifecycle";
import { LambdaRunner } from "../../../../tools/local-api";
import { startLocalCloud } from "../../../../tools/local-cloud";
import { descendants, gone, guardedHelper, Job, motoOf } from "../../../support/job";
import { describeWhen, missing } from "../../../support/requires";
import { ownFolder } from "../../../support/test-run";

/**
 * The local loop survives faults and stops cleanly, with the real commands as a user runs them (`npm run local:up`,
 * `npm run dev`, each in a process group of its own, as a terminal runs a job): moto's death is reported and ends the
 * command; Ctrl-C, SIGTERM to npm and SIGHUP leave no process and no temporary folder, and `kill -9` leaves nothing the
 * next start does not clean. Interrupted deploys and destroys: interrupted-deploy.test.ts.
 */

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
    expect(job.stderr).toContain(`moto (pid ${moto.pid}) exited (killed by SIGKILL)`);
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
    expect(second.job.stderr).toContain(`killed its moto (pid ${first.moto.pid})`);
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
      expect(await cloud.died).toMatch(new RegExp(`^moto \\(pid ${cloud.motoPid}\\) exited \\(killed by SIGKILL\\)`));
      const response = await fetch(`${cloud.endpoint}/`, {
        method: "POST",
        headers: { "x-amz-target": "AWSCognitoIdentityService.ListIdentityPools", "content-type": "application/x-amz-json-1.1" },
        body: "{}",
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { __type: string; message: string };
      expect(body.__type).toBe("ServiceUnavailableException");
      expect(body.message).toContain(`moto (pid ${cloud.motoPid}) exited`);
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
    expect(job.stderr).toContain(`moto (pid ${moto.pid}) exited (killed by SIGKILL)`);
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
