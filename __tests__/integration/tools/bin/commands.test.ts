/** Every command behind `npm run <x>`, run as a user would, answers `--help` without starting work. */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = join(__dirname, "..", "..", "..", "..");
const run = promisify(execFile);
const pkg = require("../../../../package.json") as { scripts: Record<string, string> };

/** Every command file, and the npm script that runs it. */
const COMMANDS = readdirSync(join(ROOT, "tools", "bin"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => {
    const script = Object.entries(pkg.scripts).find(([, command]) => command === `tsx tools/bin/${file}`)?.[0];
    return { file, script };
  });

/** Runs a command file as npm would, and collects how it ended. */
async function command(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", file), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("every file in tools/bin is an npm script", () => {
  expect(COMMANDS.length).toBeGreaterThanOrEqual(8);
  for (const { file, script } of COMMANDS) expect([file, script]).toEqual([file, expect.any(String)]);
});

/**
 * What each command's --help did, by file: run up front, two at a time, so the assertions below time nothing. That the
 * help comes from runCommand proves the command parses its flags there; how runCommand refuses an unknown flag (one
 * line, exit 2) is command.test.ts's.
 */
const results = new Map<string, Awaited<ReturnType<typeof command>>>();
beforeAll(async () => {
  const runs = COMMANDS.map(({ file }) => ({ file, args: ["--help"] }));
  const next = async (): Promise<void> => {
    const run = runs.shift();
    if (!run) return;
    results.set(`${run.file} ${run.args.join(" ")}`, await command(run.file, run.args));
    return next();
  };
  await Promise.all([next(), next()]);
}, 180_000);

describe.each(COMMANDS)("tools/bin/$file", ({ file, script }) => {
  test("--help prints the usage on stdout and exits 0 without starting work", () => {
    const result = results.get(`${file} --help`)!;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: npm run ${script!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`));
    expect(result.stdout).toContain("--help");
    // No progress line: nothing was started.
    expect(result.stderr).toBe("");
  });
});
