import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InitiateAuthCommand, ListUserPoolsCommand, RevokeTokenCommand } from "@aws-sdk/client-cognito-identity-provider";
import { LocalCloud, startLocalCloud, STATE_FILE_NAME } from "../../../../tools/local-cloud";
import { NEW_INSTANCE_MARKER } from "../../../../tools/local-cloud/state/cloud-state";
import { gone, Job, motoOf } from "../../../support/job";
import { signIn } from "../../../support/cognito-sign-in";
import { LocalClients, localClients } from "../../../support/local-clients";
import { describeWhen, missing } from "../../../support/requires";
import { identityOf, makeStage, SignInStage, STAGE_PASSWORD } from "../../../support/signed-in-stage";
import { ownFolder } from "../../../support/test-run";

/**
 * The local cloud keeps its state across restarts (state/cloud-state.ts, moto/server.py): a user made before a stop,
 * a SIGTERM or a `kill -9` of the whole process tree signs in afterwards and gets the same identity id; a state file
 * that cannot be read is moved aside with one line and the cloud starts with nothing; one cloud at a time per folder.
 */

const PASSWORD = STAGE_PASSWORD;

/** `use` with a Cognito user pools client of the cloud at `endpoint`. */
async function withIdp<T>(endpoint: string, use: (idp: LocalClients["idp"]) => Promise<T>): Promise<T> {
  const clients = localClients(endpoint);
  try {
    return await use(clients.idp);
  } finally {
    clients.destroy();
  }
}

/** A refresh token of a new sign-in of the user. */
async function refreshToken(endpoint: string, stage: SignInStage): Promise<string> {
  const auth = await withIdp(endpoint, (idp) => idp.send(new InitiateAuthCommand({ ClientId: stage.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: stage.emails[0], PASSWORD: PASSWORD } })));
  return auth.AuthenticationResult!.RefreshToken!;
}

/** The ids of the user pools the cloud at `endpoint` holds. */
async function userPoolIds(endpoint: string): Promise<string[]> {
  const clients = localClients(endpoint);
  try {
    return ((await clients.idp.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools ?? []).map((pool) => pool.Id!);
  } finally {
    clients.destroy();
  }
}

describeWhen(missing("moto"))("the local cloud's state survives restarts", () => {
  const clouds: LocalCloud[] = [];
  afterEach(async () => {
    await Promise.all(clouds.splice(0).map((cloud) => cloud.stop()));
  });

  async function start(stateFolder: string, notes: string[] = []): Promise<LocalCloud> {
    const cloud = await startLocalCloud({ stateFolder, onNote: (line) => notes.push(line), warmUp: false });
    clouds.push(cloud);
    return cloud;
  }

  test("after a stop, the same instance: pools, the user (SRP too), the identity id, the credentials minted before, and a revoked token stays revoked", async () => {
    const folder = ownFolder("state-stop");
    const first = await start(folder);
    const stage = await makeStage(first.endpoint, "state-stop");
    const before = await identityOf(first.endpoint, stage);
    const revoked = await refreshToken(first.endpoint, stage);
    const kept = await refreshToken(first.endpoint, stage);
    await withIdp(first.endpoint, (idp) => idp.send(new RevokeTokenCommand({ ClientId: stage.clientId, Token: revoked })));
    const { instanceId } = first;
    await first.stop();

    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(join(folder, STATE_FILE_NAME)).mode & 0o777).toBe(0o600);
    const second = await start(folder);
    expect(second.instanceId).toBe(instanceId);
    expect(await userPoolIds(second.endpoint)).toEqual([stage.userPoolId]);
    const after = await identityOf(second.endpoint, stage);
    expect(after.identityId).toBe(before.identityId);
    expect(second.identities.credentials(before.accessKeyId)?.identityId).toBe(before.identityId);
    expect((await signIn(second.endpoint, stage.userPoolId, stage.clientId, stage.emails[0], PASSWORD)).kind).toBe("session");
    const refresh = (token: string) => withIdp(second.endpoint, (idp) => idp.send(new InitiateAuthCommand({ ClientId: stage.clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: token } })));
    await expect(refresh(revoked)).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Refresh Token has been revoked" });
    expect((await refresh(kept)).AuthenticationResult?.AccessToken).toEqual(expect.any(String));
  }, 60_000);

  test("a loaded snapshot starts as a new instance: the same pools, another instance id, so dev does not take it for its own last deploy", async () => {
    const folder = ownFolder("state-loaded");
    const first = await start(folder);
    const stage = await makeStage(first.endpoint, "state-loaded");
    const { instanceId } = first;
    await first.stop();
    writeFileSync(join(folder, NEW_INSTANCE_MARKER), "");
    const loaded = await start(folder);
    expect(loaded.instanceId).not.toBe(instanceId);
    expect(await userPoolIds(loaded.endpoint)).toEqual([stage.userPoolId]);
    expect(existsSync(join(folder, NEW_INSTANCE_MARKER))).toBe(false);
  }, 60_000);

  test("a state file that does not read is moved aside with one line, and the cloud starts with nothing", async () => {
    const folder = ownFolder("state-corrupt");
    await start(folder).then((cloud) => cloud.stop());
    writeFileSync(join(folder, STATE_FILE_NAME), "not a state file\n", { mode: 0o600 });
    const notes: string[] = [];
    const cloud = await start(folder, notes);
    expect(notes).toEqual([expect.stringMatching(new RegExp(`^the local cloud's state .*${STATE_FILE_NAME} could not be read \\(.+\\): moved it aside to .*unreadable-\\d{8}T\\d{6}, starting with nothing$`))]);
    const aside = readdirSync(folder).filter((name) => name.startsWith(`${STATE_FILE_NAME}.unreadable-`));
    expect(aside).toHaveLength(1);
    expect(await userPoolIds(cloud.endpoint)).toEqual([]);
  }, 60_000);

  test("a state file of another moto version is moved aside, naming that version", async () => {
    const folder = ownFolder("state-version");
    await start(folder).then((cloud) => cloud.stop());
    const header = `import pickle,sys; sys.stdout.buffer.write(pickle.dumps({"format": "api-auth-cognito-local-cloud-state/1", "moto": "0.0.1"}))`;
    writeFileSync(join(folder, STATE_FILE_NAME), spawnSync("python3", ["-c", header]).stdout, { mode: 0o600 });
    const notes: string[] = [];
    await start(folder, notes);
    expect(notes.join("\n")).toMatch(/could not be read \(it was written by moto 0\.0\.1, this is moto [\d.]+\)/);
  }, 60_000);

  test("one cloud at a time per state folder: a second is refused with one line naming the first", async () => {
    const folder = ownFolder("state-busy");
    await start(folder);
    await expect(startLocalCloud({ stateFolder: folder, warmUp: false })).rejects.toThrow(new RegExp(`^the local cloud's state in ${folder} is in use by another local cloud \\(pid ${process.pid}\\)`));
  }, 60_000);
});

describeWhen(missing("moto"))("npm run local:up keeps its state through SIGTERM and kill -9", () => {
  const jobs: Job[] = [];
  afterEach(() => jobs.splice(0).forEach((job) => job.kill()));

  async function localUp(dir: string) {
    const job = new Job("local:up", dir);
    jobs.push(job);
    const [, endpoint] = await job.printed(/^Local cloud on (http:\/\/127\.0\.0\.1:\d+)/m);
    const tool = job.tool("local-up.ts");
    return { job, endpoint, tool, ...motoOf(tool.pid) };
  }

  test("SIGTERM to npm run local:up: the next one has the user, who signs in with SRP, and their identity", async () => {
    const dir = ownFolder("state-sigterm");
    const first = await localUp(dir);
    const stage = await makeStage(first.endpoint, "state-sigterm");
    const before = await identityOf(first.endpoint, stage);
    process.kill(first.job.pid, "SIGTERM");
    await first.job.ended;
    await gone([first.tool.pid, first.guard.pid, first.moto.pid]);

    const second = await localUp(dir);
    expect((await signIn(second.endpoint, stage.userPoolId, stage.clientId, stage.emails[0], PASSWORD)).kind).toBe("session");
    expect((await identityOf(second.endpoint, stage)).identityId).toBe(before.identityId);
  }, 120_000);

  test("kill -9 of the tool, moto's guard and moto once the change is saved: the next local:up has the user and their identity", async () => {
    const dir = ownFolder("state-kill");
    const first = await localUp(dir);
    const stage = await makeStage(first.endpoint, "state-kill");
    const before = await identityOf(first.endpoint, stage);
    // The moment the state file holds the last change (the credentials just minted), as the saver writes it after
    // the burst of requests; nothing is saved after this but by the signals, and kill -9 gives none.
    const stateFile = join(dir, "work", "local", "state", STATE_FILE_NAME);
    await until(() => existsSync(stateFile) && readFileSync(stateFile).includes(before.accessKeyId));
    for (const pid of [first.tool.pid, first.guard.pid, first.moto.pid]) process.kill(pid, "SIGKILL");
    first.job.kill();
    await gone([first.tool.pid, first.guard.pid, first.moto.pid]);

    const second = await localUp(dir);
    expect(await userPoolIds(second.endpoint)).toEqual([stage.userPoolId]);
    expect((await identityOf(second.endpoint, stage)).identityId).toBe(before.identityId);
  }, 120_000);
});

/** Resolves once `condition` holds, checking every 50 ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}
