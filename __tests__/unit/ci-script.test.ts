import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** The lines of a shell script that change folder, without comments. */
const cdLines = (file: string) =>
  readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .filter((line) => /(^|[;&|]\s*|\s)cd\s/.test(line.replace(/#.*$/, "")));

// shellcheck's SC2164: a `cd` that fails leaves the script running in the wrong folder. .ci/run runs without `set -e`
// (it must reach its summary line), so every `cd` says what happened and stops.
test("every cd in .ci/run stops the script with a summary line when it fails", () => {
  const lines = cdLines(".ci/run");
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).toMatch(/cd .*\|\| \{ echo "[^"]+"; echo "0 passed, 1 failed"; exit 1; \}/);
});
