import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quoted } from "../../../../constructs/validation";
import { checkOutputsFileTarget, MAX_OUTPUTS_FILE_BYTES, readOutputsFile, writeOutputsFile } from "../../../../tools/dev/outputs-file";

const ALLOWED = "expected the name of a file in an existing, writable folder";

describe("outputs files", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "outputs-file-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("a file in an existing folder may be written; the check returns its absolute path", () => {
    expect(checkOutputsFileTarget(join(dir, "o.json"))).toBe(join(dir, "o.json"));
    writeFileSync(join(dir, "old.json"), "{}");
    expect(checkOutputsFileTarget(join(dir, "old.json"))).toBe(join(dir, "old.json"));
  });

  test.each<[string, (dir: string) => string, (dir: string) => string]>([
    ["a folder that does not exist", (dir) => join(dir, "nowhere", "o.json"), (dir) => `its folder ${quoted(join(dir, "nowhere"))} does not exist`],
    ["a folder as the name", (dir) => dir, () => "it is a folder"],
    ["a file as the folder", (dir) => (writeFileSync(join(dir, "file"), ""), join(dir, "file", "o.json")), (dir) => `${quoted(join(dir, "file"))} is not a folder`],
    ["a device", () => "/dev/null", () => "it is a device, pipe or socket, not a file"],
  ])("refused before any work, in one line naming the value: %s", (_name, file, problem) => {
    const name = file(dir);
    expect(() => checkOutputsFileTarget(name)).toThrow(`invalid --outputs-file ${quoted(name)}: ${problem(dir)}; ${ALLOWED}`);
  });

  test("a name with control characters is shown escaped, on one line", () => {
    expect(() => checkOutputsFileTarget(join(dir, "a\nb", "\u001b]0;x"))).toThrow(/^invalid --outputs-file ".*a\\nb\/\\u001b\]0;x": its folder ".*a\\nb" does not exist/);
    expect(() => checkOutputsFileTarget("")).toThrow(`invalid --outputs-file "": ${ALLOWED}`);
  });

  test("a write that fails leaves nothing half-written beside the target", () => {
    mkdirSync(join(dir, "taken"));
    // Renaming a file over a folder fails after the temporary file was written.
    expect(() => writeOutputsFile(join(dir, "taken"), "stack", { A: "1" })).toThrow(/^cannot write the outputs file ".*taken": /);
    expect(readdirSync(dir)).toEqual(["taken"]);
  });

  test("what was written is read back", () => {
    writeOutputsFile(join(dir, "o.json"), "stack", { ApiEndpoint: "http://127.0.0.1:1" });
    expect(readOutputsFile(join(dir, "o.json"), "stack")).toEqual({ ApiEndpoint: "http://127.0.0.1:1" });
  });

  test("a device such as /dev/zero is refused, not read", () => {
    expect(() => readOutputsFile("/dev/zero", "stack")).toThrow('outputs file "/dev/zero" is a device, pipe or socket, not a file: expected the JSON file cdktf deploy --outputs-file writes');
  });

  test("a folder is refused", () => {
    expect(() => readOutputsFile(dir, "stack")).toThrow(`outputs file ${quoted(dir)} is a folder, not a file`);
  });

  test(`a file larger than ${MAX_OUTPUTS_FILE_BYTES} bytes is refused, not parsed`, () => {
    writeFileSync(join(dir, "huge.json"), `{"stack": {"A": "${"x".repeat(MAX_OUTPUTS_FILE_BYTES)}"}}`);
    expect(() => readOutputsFile(join(dir, "huge.json"), "stack")).toThrow(`outputs file ${quoted(join(dir, "huge.json"))} is larger than ${MAX_OUTPUTS_FILE_BYTES} bytes`);
  });

  test("JSON that is not an object, or lacks the stack, says what it holds", () => {
    writeFileSync(join(dir, "null.json"), "null");
    expect(() => readOutputsFile(join(dir, "null.json"), "stack")).toThrow(/has no outputs of stack: it holds nothing$/);
    writeFileSync(join(dir, "other.json"), '{"other\\n": {}}');
    expect(() => readOutputsFile(join(dir, "other.json"), "stack")).toThrow(/has no outputs of stack: it holds "other\\n"$/);
  });
});
