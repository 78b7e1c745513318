import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resetState, STATE_FILE_NAME } from "../../../../../tools/local-cloud";
import { openStateFolder, StateFolder } from "../../../../../tools/local-cloud/state/cloud-state";

/** A state file's content: the reset does not read it. */
const STATE = Buffer.from("a state");

describe("resetting the state", () => {
  let stateFolder: string;
  let claimed: StateFolder | undefined;
  beforeEach(() => (stateFolder = mkdtempSync(join(tmpdir(), "state-reset-"))));
  afterEach(() => {
    claimed?.release();
    claimed = undefined;
    rmSync(stateFolder, { recursive: true, force: true });
  });

  test("moves the state aside, and says where; then there is nothing to reset", () => {
    const stateFile = join(stateFolder, STATE_FILE_NAME);
    writeFileSync(stateFile, STATE);
    const reset = resetState({ stateFolder });
    expect(reset).toEqual({ stateFile, hadState: true, keptAs: expect.stringMatching(/cloud\.state\.reset-\d{8}T\d{6}$/), deleted: [] });
    expect(readFileSync(reset.keptAs!)).toEqual(STATE);
    expect(readdirSync(stateFolder)).toEqual([reset.keptAs!.slice(stateFolder.length + 1)]);
    expect(resetState({ stateFolder })).toEqual({ stateFile, hadState: false, deleted: [] });
    expect(resetState({ stateFolder: join(stateFolder, "never-made") })).toEqual({ stateFile: join(stateFolder, "never-made", STATE_FILE_NAME), hadState: false, deleted: [] });
  });

  test("--delete removes the state and every copy kept aside, nothing else", () => {
    const names = [STATE_FILE_NAME, "cloud.state.reset-20261207T100000", "cloud.state.unreadable-20261207T100001", "cloud.state.before-load-20261207T100002-2"];
    for (const name of names) writeFileSync(join(stateFolder, name), STATE);
    writeFileSync(join(stateFolder, "notes.txt"), "mine");
    const reset = resetState({ stateFolder, delete: true });
    expect(reset.deleted).toEqual([join(stateFolder, STATE_FILE_NAME), ...names.slice(1).sort().map((name) => join(stateFolder, name))]);
    expect(readdirSync(stateFolder)).toEqual(["notes.txt"]);
  });

  test("is refused while a cloud uses the folder, changing nothing", () => {
    writeFileSync(join(stateFolder, STATE_FILE_NAME), STATE);
    claimed = openStateFolder(stateFolder);
    for (const options of [{}, { delete: true }]) {
      expect(() => resetState({ stateFolder, ...options })).toThrow(`cannot reset the local cloud's state while a local cloud (pid ${process.pid}) uses the state in ${stateFolder}: stop npm run dev / npm run local:up first`);
    }
    expect(readdirSync(stateFolder).sort()).toEqual([STATE_FILE_NAME, "in-use.json"]);
  });
});
