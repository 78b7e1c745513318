import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STATE_FILE_NAME } from "../../../../../tools/local-cloud";
import { asideFiles, keepAside, readStateHeader, STATE_FORMAT, stateHeaderOf } from "../../../../../tools/local-cloud/state/state-file";

/**
 * The header moto/server.py writes first, `pickle.dump({"format": FORMAT, "moto": "5.2.1"}, file)`, as Python 3.11
 * pickles it with protocol 4 (its default; 3.14's is 5).
 */
const PROTOCOL_4 = Buffer.from(
  "80049544000000000000007d94288c06666f726d6174948c246170692d617574682d636f676e69746f2d6c6f63616c2d636c6f75642d73746174652f31948c046d6f746f948c05352e322e3194752e",
  "hex",
);
const PROTOCOL_5 = Buffer.concat([Buffer.from([0x80, 0x05]), PROTOCOL_4.subarray(2)]);

describe("the state file's header", () => {
  test("names the format server.py writes", () => {
    expect(PROTOCOL_4.includes(Buffer.from(STATE_FORMAT))).toBe(true);
    expect(readFileSync(join(__dirname, "../../../../../tools/local-cloud/moto/server.py"), "utf8")).toContain(`FORMAT = "${STATE_FORMAT}"`);
  });

  test.each([
    ["protocol 4", PROTOCOL_4],
    ["protocol 5", PROTOCOL_5],
    ["protocol 4, followed by the state", Buffer.concat([PROTOCOL_4, Buffer.alloc(100_000, 7)])],
  ])("a state file's first bytes give the moto that wrote it: %s", (_name, bytes) => {
    expect(stateHeaderOf(bytes)).toEqual({ moto: "5.2.1" });
  });

  test("a header without the moto version is still a state file's, of an unknown moto", () => {
    const cut = PROTOCOL_4.subarray(0, PROTOCOL_4.indexOf(Buffer.from("moto")) + 4);
    expect(stateHeaderOf(cut)).toEqual({ moto: undefined });
  });

  test.each([
    ["nothing", Buffer.alloc(0)],
    ["text", Buffer.from("not a state file\n")],
    ["JSON naming the format", Buffer.from(JSON.stringify({ format: STATE_FORMAT, moto: "5.2.1" }))],
    ["a pickle of another format", Buffer.from(PROTOCOL_4.toString("latin1").replace("state/1", "other/1"), "latin1")],
    ["the format after the first 256 bytes", Buffer.concat([Buffer.from([0x80, 0x04]), Buffer.alloc(300), PROTOCOL_4])],
  ])("anything else is not a state file: %s", (_name, bytes) => {
    expect(stateHeaderOf(bytes)).toBeUndefined();
  });

  test("is read from a file's first bytes", () => {
    const dir = mkdtempSync(join(tmpdir(), "state-file-"));
    try {
      writeFileSync(join(dir, "state"), Buffer.concat([PROTOCOL_4, Buffer.alloc(10_000)]));
      writeFileSync(join(dir, "short"), "x");
      expect(readStateHeader(join(dir, "state"))).toEqual({ moto: "5.2.1" });
      expect(readStateHeader(join(dir, "short"))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("state files kept aside", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "state-aside-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("are named for why and when, as server.py names them, and never overwrite one another", () => {
    const stateFile = join(dir, STATE_FILE_NAME);
    writeFileSync(stateFile, PROTOCOL_4);
    const at = new Date(2026, 11, 7, 20, 15, 3);
    expect(keepAside(stateFile, "reset", at)).toBe(`${stateFile}.reset-20261207T201503`);
    expect(keepAside(stateFile, "reset", at)).toBe(`${stateFile}.reset-20261207T201503-2`);
    expect(keepAside(stateFile, "before-load", at)).toBe(`${stateFile}.before-load-20261207T201503`);
    // The state file itself stays until the caller replaces or removes it.
    expect(readFileSync(stateFile)).toEqual(PROTOCOL_4);
    expect(readFileSync(`${stateFile}.reset-20261207T201503-2`)).toEqual(PROTOCOL_4);
  });

  test("are found by their names alone: not the state file, a snapshot, a temporary file or the claim", () => {
    for (const name of [STATE_FILE_NAME, "cloud.state.unreadable-20261207T201503", "cloud.state.reset-20261207T201503-2", "cloud.state.before-load-20261207T201503", "cloud.state.123.tmp", "in-use.json", "cloud.state.reset-later", "x.cloud-state"]) {
      writeFileSync(join(dir, name), "");
    }
    expect(asideFiles(dir)).toEqual(["cloud.state.before-load-20261207T201503", "cloud.state.reset-20261207T201503-2", "cloud.state.unreadable-20261207T201503"].map((name) => join(dir, name)));
    expect(readdirSync(dir)).toHaveLength(8);
  });
});
