import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quoted } from "../../../../../constructs/validation";
import { STATE_FILE_NAME } from "../../../../../tools/local-cloud";
import { openStateFolder, StateFolder } from "../../../../../tools/local-cloud/state/cloud-state";
import { listSnapshots, loadSnapshot, saveSnapshot, snapshotFile, snapshotNameProblem } from "../../../../../tools/local-cloud/state/snapshots";

/** A state file as moto/server.py writes it: its header (pickle protocol 4, moto 5.2.1), then the state. */
const STATE = Buffer.concat([
  Buffer.from("80049544000000000000007d94288c06666f726d6174948c246170692d617574682d636f676e69746f2d6c6f63616c2d636c6f75642d73746174652f31948c046d6f746f948c05352e322e3194752e", "hex"),
  Buffer.from("the pickled state"),
]);

const ALLOWED = 'expected letters, digits, "-", "_" and "." (not first), at most 100 characters';

describe("snapshot names", () => {
  test.each(["team-base", "ci_fixture", "v1.2", "a", "-x", "x".repeat(100), "2026-12-07"])("%s is a name", (name) => {
    expect(snapshotNameProblem(name)).toBeUndefined();
    expect(snapshotFile(name, "/snapshots")).toBe(`/snapshots/${name}.cloud-state`);
  });

  test.each(["", ".hidden", "..", "a/b", "../up", "with space", "é", "a\nb", "x".repeat(101), "a*", "a\\b"])("%j is refused in one line naming it", (name) => {
    expect(snapshotNameProblem(name)).toBe(`invalid snapshot name ${quoted(name)}: ${ALLOWED}`);
    expect(() => snapshotFile(name)).toThrow(`invalid snapshot name ${quoted(name)}: ${ALLOWED}`);
  });
});

describe("saving, listing and loading snapshots without a cloud", () => {
  let dir: string;
  let stateFolder: string;
  let snapshotFolder: string;
  let claimed: StateFolder | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "snapshots-"));
    stateFolder = join(dir, "state");
    snapshotFolder = join(dir, "snapshots");
  });
  afterEach(() => {
    claimed?.release();
    claimed = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a state file into the state folder, saved at `time`. */
  function writeState(content: Buffer = STATE, time = new Date(2026, 11, 7, 9, 30)): string {
    mkdirSync(stateFolder, { recursive: true, mode: 0o700 });
    const file = join(stateFolder, STATE_FILE_NAME);
    writeFileSync(file, content, { mode: 0o600 });
    utimesSync(file, time, time);
    return file;
  }

  test("nothing saved yet: one line saying so, nothing written", () => {
    expect(() => saveSnapshot("first", { stateFolder, snapshotFolder })).toThrow(`nothing to save: no state in ${stateFolder} yet (npm run dev and npm run local:up keep it there)`);
    claimed = openStateFolder(stateFolder);
    expect(() => saveSnapshot("first", { stateFolder, snapshotFolder })).toThrow(`nothing to save yet: the running local cloud (pid ${process.pid}) has saved no state in ${stateFolder} (it saves within a second of a change)`);
    expect(readdirSync(dir)).toEqual(["state"]);
  });

  test("a save copies the state file as it is, 0600 in a 0700 folder, with the time it was saved; a second is refused unless forced", () => {
    const saved = new Date(2026, 11, 7, 9, 30);
    writeState(STATE, saved);
    const first = saveSnapshot("first", { stateFolder, snapshotFolder });
    expect({ ...first, savedAt: first.savedAt.getTime() }).toEqual({ file: join(snapshotFolder, "first.cloud-state"), bytes: STATE.length, savedAt: saved.getTime(), runningCloud: undefined });
    expect(statSync(first.file).mtimeMs).toBe(saved.getTime());
    expect(readFileSync(first.file)).toEqual(STATE);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(statSync(snapshotFolder).mode & 0o777).toBe(0o700);

    const newer = Buffer.concat([STATE, Buffer.from(" and more")]);
    writeState(newer);
    expect(() => saveSnapshot("first", { stateFolder, snapshotFolder })).toThrow(`snapshot "first" exists (${first.file}): choose another name, or add --force to replace it`);
    expect(readFileSync(first.file)).toEqual(STATE);
    saveSnapshot("first", { stateFolder, snapshotFolder, force: true });
    expect(readFileSync(first.file)).toEqual(newer);
    expect(readdirSync(snapshotFolder)).toEqual(["first.cloud-state"]);
  });

  test("a running cloud's state is copied as it last saved it, naming that cloud", () => {
    writeState();
    claimed = openStateFolder(stateFolder);
    expect(saveSnapshot("running", { stateFolder, snapshotFolder }).runningCloud).toBe(process.pid);
    expect(readFileSync(join(snapshotFolder, "running.cloud-state"))).toEqual(STATE);
  });

  test("a state file that is not one is not saved", () => {
    const file = writeState(Buffer.from("garbage"));
    expect(() => saveSnapshot("bad", { stateFolder, snapshotFolder })).toThrow(`${file} is not a state file of the local cloud (it lacks the header moto/server.py writes): nothing saved`);
    expect(readdirSync(dir)).toEqual(["state"]);
  });

  test("the list: each snapshot's name, size, time and moto, by name; other files left out", () => {
    expect(listSnapshots(snapshotFolder)).toEqual([]);
    writeState();
    saveSnapshot("b", { stateFolder, snapshotFolder });
    saveSnapshot("a", { stateFolder, snapshotFolder });
    writeFileSync(join(snapshotFolder, "notes.txt"), "");
    writeFileSync(join(snapshotFolder, "b.cloud-state.42.tmp"), "");
    writeFileSync(join(snapshotFolder, "odd.cloud-state"), "not a state file");
    // Times as numbers: fs makes its Dates outside jest's realm.
    expect(listSnapshots(snapshotFolder).map((snapshot) => ({ ...snapshot, modified: snapshot.modified.getTime() }))).toEqual([
      { name: "a", file: join(snapshotFolder, "a.cloud-state"), bytes: STATE.length, modified: new Date(2026, 11, 7, 9, 30).getTime(), moto: "5.2.1" },
      { name: "b", file: join(snapshotFolder, "b.cloud-state"), bytes: STATE.length, modified: new Date(2026, 11, 7, 9, 30).getTime(), moto: "5.2.1" },
      { name: "odd", file: join(snapshotFolder, "odd.cloud-state"), bytes: 16, modified: expect.any(Number), moto: undefined },
    ]);
  });

  test("a load is refused in one line, changing nothing: a file that is not a state file, a name not saved, a cloud using the folder", () => {
    const stateFile = writeState();
    const other = join(dir, "other.cloud-state");
    writeFileSync(other, "PK\u0003\u0004 a zip, say");
    expect(() => loadSnapshot(other, { stateFolder, snapshotFolder })).toThrow(`${other} is not a state file of the local cloud (it lacks the header npm run local:snapshot -- save writes): nothing changed`);
    expect(() => loadSnapshot("missing", { stateFolder, snapshotFolder })).toThrow(`no snapshot named "missing" in ${snapshotFolder}: npm run local:snapshot -- list shows those there`);
    expect(() => loadSnapshot(join(dir, "nowhere.cloud-state"), { stateFolder, snapshotFolder })).toThrow(`no such file: ${join(dir, "nowhere.cloud-state")}`);
    expect(() => loadSnapshot(`${dir}/`, { stateFolder, snapshotFolder })).toThrow(`${dir} is not a file`);

    saveSnapshot("kept", { stateFolder, snapshotFolder });
    claimed = openStateFolder(stateFolder);
    expect(() => loadSnapshot("kept", { stateFolder, snapshotFolder })).toThrow(`cannot load a snapshot while a local cloud (pid ${process.pid}) uses the state in ${stateFolder}: stop npm run dev / npm run local:up first`);
    expect(readdirSync(stateFolder).sort()).toEqual([STATE_FILE_NAME, "in-use.json"]);
    expect(readFileSync(stateFile)).toEqual(STATE);
  });
});
