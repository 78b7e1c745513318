import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { interpreterOf } from "../../../../../tools/local-cloud/moto/missing";

/** moto's server runs on the Python that has moto: the one a pipx or virtualenv `moto_server` script names. */
describe("interpreterOf", () => {
  const dir = mkdtempSync(join(tmpdir(), "moto-missing-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (firstLine: string) => {
    const file = join(dir, `moto_server-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, `${firstLine}\nfrom moto.server import main\nmain()\n`);
    return file;
  };

  test.each([
    ["a pipx venv's Python", "#!/home/runner/.local/share/pipx/venvs/moto/bin/python", "/home/runner/.local/share/pipx/venvs/moto/bin/python"],
    ["a versioned Python", "#!/usr/bin/python3.12", "/usr/bin/python3.12"],
  ])("names %s", (_name, line, expected) => {
    expect(interpreterOf(script(line))).toBe(expected);
  });

  test.each([
    ["a pyenv shim (bash)", "#!/usr/bin/env bash"],
    ["env python (resolved from PATH: python3 is used)", "#!/usr/bin/env python3"],
    ["no #! line", "import sys"],
  ])("names none for %s", (_name, line) => {
    expect(interpreterOf(script(line))).toBeUndefined();
  });

  test("names none without a script", () => {
    expect(interpreterOf(undefined)).toBeUndefined();
  });
});
