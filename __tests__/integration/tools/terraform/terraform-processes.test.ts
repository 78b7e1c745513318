import { ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { terraformProcessesOf } from "../../../../tools/terraform/terraform-processes";
import { ownFolder } from "../../../support/test-run";

const BUCKET = "state";
const KEY = `probe/terraform-processes-${process.pid}/terraform.tfstate`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, every 50 ms; fails naming `what` after 10 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i === 200) throw new Error(`not within 10 s: ${what}`);
    await sleep(50);
  }
}

/** What /proc names process `pid` by, or `undefined` once it is gone. */
const commOf = (pid: number) => (existsSync(`/proc/${pid}/comm`) ? readFileSync(`/proc/${pid}/comm`, "utf8").trim() : undefined);

/**
 * Which processes of this host may hold a state's lock (terraform-processes.ts), with real processes named
 * `terraform` (copies of `sleep`, which /proc names by their file) in working directories of their own, each with the
 * backend record `terraform init` would leave there.
 */
describe("terraformProcessesOf", () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) child.kill("SIGKILL");
  });

  /** A folder with `record` as its `.terraform/terraform.tfstate` and a `terraform` to run there. */
  function workdir(name: string, record?: string): string {
    const dir = ownFolder(`terraform-processes-${name}`);
    if (record !== undefined) {
      mkdirSync(join(dir, ".terraform"));
      writeFileSync(join(dir, ".terraform", "terraform.tfstate"), record);
    }
    copyFileSync("/bin/sleep", join(dir, "terraform"));
    return dir;
  }

  /** Runs `script` with /bin/sh in `dir`, `terraform` on its PATH. */
  function shell(dir: string, script: string): ChildProcess {
    const child = spawn("/bin/sh", ["-c", script], { cwd: dir, env: { PATH: `${dir}:/bin:/usr/bin` }, stdio: "ignore" });
    started.push(child);
    return child;
  }

  /** A `terraform` running in `dir`, once /proc names it so. */
  async function terraformIn(dir: string): Promise<number> {
    const { pid } = shell(dir, "exec terraform 60");
    await until("terraform to start", () => commOf(pid!) === "terraform");
    return pid!;
  }

  const s3Record = (key: string) => JSON.stringify({ backend: { type: "s3", config: { bucket: BUCKET, key } } });
  const ofOurState = () => (terraformProcessesOf(BUCKET, KEY) ?? []).map((p) => p.dir);

  test("a terraform of the state, or one whose backend cannot be read, may hold its lock; one of another state, or of none, may not", async () => {
    const ours = workdir("ours", s3Record(KEY));
    const unreadable = workdir("unreadable", "{ half-written");
    const another = workdir("another", s3Record("another/terraform.tfstate"));
    const none = workdir("none");
    for (const dir of [ours, unreadable, another, none]) await terraformIn(dir);
    const holders = ofOurState();
    expect(holders).toEqual(expect.arrayContaining([ours, unreadable]));
    expect(holders).not.toContain(another);
    expect(holders).not.toContain(none);
  });

  test("one that has ended holds nothing, even before its parent has reaped it", async () => {
    // The shell starts terraform in the background and becomes a `sleep` that never waits: the ended terraform stays
    // a zombie, whose /proc entry is still there.
    const dir = workdir("zombie", "{ half-written");
    shell(dir, "terraform 60 & echo $! > pid; exec /bin/sleep 60");
    await until("the pid file", () => existsSync(join(dir, "pid")) && readFileSync(join(dir, "pid"), "utf8").endsWith("\n"));
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    await until("terraform to start", () => commOf(pid) === "terraform");
    expect(ofOurState()).toContain(dir);
    process.kill(pid, "SIGKILL");
    await until("terraform to become a zombie", () => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")));
    expect(ofOurState()).not.toContain(dir);
  });
});
