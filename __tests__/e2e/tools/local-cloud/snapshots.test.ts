import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ListUserPoolsCommand, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { quoted } from "../../../../constructs/validation";
import { LocalCloud, startLocalCloud, STATE_FILE_NAME } from "../../../../tools/local-cloud";
import { Job } from "../../../support/job";
import { localClients } from "../../../support/local-clients";
import { describeWhen, missing } from "../../../support/requires";
import { identityOf, makeStage, SignInStage } from "../../../support/signed-in-stage";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

/**
 * Snapshots a team can share (`npm run local:snapshot`, tools/local-cloud/state/snapshots.ts) and starting from
 * nothing on purpose (`npm run local:reset`): a snapshot saved from a running `npm run local:up` and loaded after a
 * reset gives the same pools, users and identities, ids and all; loads and resets are refused while a cloud runs;
 * bad names and files that are not state files are refused in one line, changing nothing.
 */

const ROOT = join(__dirname, "..", "..", "..", "..");
const ALLOWED = 'expected letters, digits, "-", "_" and "." (not first), at most 100 characters';

/** Runs `tools/bin/<file>` with `args` as npm would, with the test's own folders (`dir`), and collects how it ended. */
async function command(dir: string, file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(join(ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", file), ...args], { cwd: ROOT, env: isolatedEnv(dir) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const snapshot = (dir: string, ...args: string[]) => command(dir, "local-snapshot.ts", args);
const reset = (dir: string, ...args: string[]) => command(dir, "local-reset.ts", args);

/** Signs `email` in and returns their identity id in the stage's identity pool. */
async function signIn(endpoint: string, stage: SignInStage, email: string): Promise<string> {
  return (await identityOf(endpoint, stage, email)).identityId;
}

/** The user pools the cloud at `endpoint` holds, each with the emails of its users. */
async function poolsAndUsers(endpoint: string): Promise<Record<string, string[]>> {
  const clients = localClients(endpoint);
  try {
    const pools = (await clients.idp.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? [];
    const found: Record<string, string[]> = {};
    for (const pool of pools) {
      const { Users } = await clients.idp.send(new ListUsersCommand({ UserPoolId: pool.Id }));
      found[pool.Id!] = (Users ?? []).map((user) => user.Attributes!.find((a) => a.Name === "email")!.Value!).sort();
    }
    return found;
  } finally {
    clients.destroy();
  }
}

/** The files of `folder` and their contents: what a refused command must leave as it was. */
function contents(folder: string): Record<string, string> {
  if (!existsSync(folder)) return {};
  return Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name)).toString("base64")]));
}

describeWhen(missing("moto"))("npm run local:snapshot and npm run local:reset", () => {
  const jobs: Job[] = [];
  const clouds: LocalCloud[] = [];
  afterEach(async () => {
    jobs.splice(0).forEach((job) => job.kill());
    await Promise.all(clouds.splice(0).map((cloud) => cloud.stop()));
  });

  async function start(stateFolder: string): Promise<LocalCloud> {
    const cloud = await startLocalCloud({ stateFolder, warmUp: false });
    clouds.push(cloud);
    return cloud;
  }

  test("a snapshot of a running local:up, loaded after a reset, gives back the same pool, users and identities; loads and resets wait for a stop", async () => {
    const dir = ownFolder("snapshots");
    const stateFolder = join(dir, "work", "local", "state");
    const stateFile = join(stateFolder, STATE_FILE_NAME);
    const up = new Job("local:up", dir);
    jobs.push(up);
    const [, endpoint] = await up.printed(/^Local cloud on (http:\/\/127\.0\.0\.1:\d+)/m);
    const stage = await makeStage(endpoint, "snapshots", ["snapshots-ana@example.com", "snapshots-bo@example.com"]);
    const identityId = await signIn(endpoint, stage, stage.emails[0]);
    // Once the cloud has saved the last change (it saves within a second of a burst of requests).
    await until(() => existsSync(stateFile) && readFileSync(stateFile).includes(identityId));

    const saved = await snapshot(dir, "save", "team-base");
    const file = join(dir, "work", "local", "snapshots", "team-base.cloud-state");
    expect(saved).toEqual({ code: 0, stdout: `${file}\n`, stderr: expect.stringMatching(new RegExp(`^note: copied the state as the running local cloud \\(pid \\d+\\) last saved it, at [\\d:]+: it saves within about a second of each change\\n$`)) });
    expect(readFileSync(file)).toEqual(readFileSync(stateFile));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "work", "local", "snapshots")).mode & 0o777).toBe(0o700);
    expect((await snapshot(dir, "save", "team-base")).stderr).toBe(`Error: snapshot "team-base" exists (${file}): choose another name, or add --force to replace it\n`);

    // While local:up runs, its state is not replaced under it.
    const before = contents(stateFolder);
    for (const [run, what] of [[() => snapshot(dir, "load", "team-base"), "load a snapshot"], [() => reset(dir), "reset the local cloud's state"]] as const) {
      const refused = await run();
      expect(refused).toEqual({ code: 1, stdout: "", stderr: `Error: cannot ${what} while a local cloud (pid ${up.tool("local-up.ts").pid}) uses the state in ${stateFolder}: stop npm run dev / npm run local:up first\n` });
    }
    expect(contents(stateFolder)).toEqual(before);

    // Ctrl-C; then from nothing, on purpose.
    process.kill(-up.pid, "SIGINT");
    await up.ended;
    const resetDone = await reset(dir);
    expect(resetDone).toMatchObject({ code: 0, stderr: "" });
    const [, keptAs] = resetDone.stdout.match(/^Reset the local cloud's state: the next npm run dev or npm run local:up starts from nothing\. The state was moved aside to (.*cloud\.state\.reset-\d{8}T\d{6})\.\n$/)!;
    expect(existsSync(keptAs) && !existsSync(stateFile)).toBe(true);
    expect(await reset(dir)).toEqual({ code: 0, stdout: `Nothing to reset: there is no state file ${stateFile} (the local cloud starts from nothing already).\n`, stderr: "" });
    const fresh = await start(stateFolder);
    expect(await poolsAndUsers(fresh.endpoint)).toEqual({});
    await fresh.stop();

    const loaded = await snapshot(dir, "load", "team-base");
    expect(loaded).toMatchObject({ code: 0, stderr: "" });
    const [, previous] = loaded.stdout.match(new RegExp(`^Loaded ${file} into ${stateFile}: the next npm run dev or npm run local:up starts from it\\.\\nThe previous state is kept as (.*cloud\\.state\\.before-load-\\d{8}T\\d{6})\\.\\n$`))!;
    expect(existsSync(previous)).toBe(true);
    expect(readFileSync(stateFile)).toEqual(readFileSync(file));
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const restored = await start(stateFolder);
    expect(await poolsAndUsers(restored.endpoint)).toEqual({ [stage.userPoolId]: [...stage.emails].sort() });
    expect(await signIn(restored.endpoint, stage, stage.emails[0])).toBe(identityId);
    // The other user, who never signed in before the snapshot, signs in too.
    expect(await signIn(restored.endpoint, stage, stage.emails[1])).toMatch(/^us-east-1:/);

    const list = await snapshot(dir, "list");
    expect(list).toEqual({ code: 0, stdout: expect.stringMatching(/^team-base {2}\d+\.\d KiB {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}moto \d+\.\d+\.\d+\S*\n$/), stderr: "" });
  }, 120_000);

  test("bad names, unknown actions and files that are not state files are refused in one line, changing nothing", async () => {
    const dir = ownFolder("snapshots-refused");
    const local = join(dir, "work", "local");
    const stateFolder = join(local, "state");
    await start(stateFolder).then(async (cloud) => {
      await makeStage(cloud.endpoint, "refused");
      await cloud.stop();
    });
    const before = contents(stateFolder);

    for (const name of ["../up", ".hidden", "with space", "x".repeat(101), "a*b"]) {
      expect(await snapshot(dir, "save", name)).toEqual({ code: 2, stdout: "", stderr: `Error: invalid snapshot name ${quoted(name)}: ${ALLOWED}\n` });
    }
    expect(await snapshot(dir, "load", "with space")).toEqual({ code: 2, stdout: "", stderr: `Error: invalid snapshot name "with space": ${ALLOWED} (or a path to a .cloud-state file, with a /)\n` });
    expect(await snapshot(dir, "restore", "x")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^Error: unknown action "restore": expected save, load or list \(usage: npm run local:snapshot -- .*\)\n$/) });
    expect(await snapshot(dir, "load", "never-saved")).toEqual({ code: 1, stdout: "", stderr: `Error: no snapshot named "never-saved" in ${join(local, "snapshots")}: npm run local:snapshot -- list shows those there\n` });

    const notState = join(dir, "notes.cloud-state");
    writeFileSync(notState, "these are notes, not a state\n");
    expect(await snapshot(dir, "load", notState)).toEqual({ code: 1, stdout: "", stderr: `Error: ${notState} is not a state file of the local cloud (it lacks the header npm run local:snapshot -- save writes): nothing changed\n` });

    // A state file of another moto: the cloud could not read it, so it is not loaded.
    const otherMoto = join(dir, "other-moto.cloud-state");
    const header = `import pickle,sys; sys.stdout.buffer.write(pickle.dumps({"format": "api-auth-cognito-local-cloud-state/1", "moto": "0.0.1"}) + b"state")`;
    writeFileSync(otherMoto, spawnSync("python3", ["-c", header]).stdout);
    const refused = await snapshot(dir, "load", otherMoto);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toMatch(new RegExp(`^Error: ${otherMoto} was written by moto 0\\.0\\.1, and this machine's moto [\\d.]+\\S* cannot read it: nothing changed \\(pip install "moto\\[server\\]==0\\.0\\.1" to load it\\)\\n$`));

    expect(contents(stateFolder)).toEqual(before);
    expect(existsSync(join(local, "snapshots"))).toBe(false);
    expect(await snapshot(dir, "list")).toEqual({ code: 0, stdout: "", stderr: `note: no snapshots in ${join(local, "snapshots")} (npm run local:snapshot -- save NAME makes one)\n` });
  }, 120_000);
});

/** Resolves once `condition` holds, checking every 50 ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}
