import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { quoted } from "../../../../constructs/validation";
import { PROJECT_ROOT } from "../../../../tools/shared/paths";
import { smoke } from "../../../support/smoke-command";
import { isolatedEnv, ownFolder } from "../../../support/test-run";

/** Runs a project command with tsx in `env`; a command still running after 60 s is killed (by its pid) and fails the test. */
function command(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", file), ...args], { cwd: PROJECT_ROOT, env, timeout: 60_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** An --outputs-file that cannot be written is refused before any work; one that cannot be read is refused unread. */
describe("--outputs-file: checked before any work, read boundedly", () => {
  test("npm run dev -- --outputs-file in a folder that does not exist: exit 2 at once, one line naming the value, no cloud started, nothing written", async () => {
    const dir = ownFolder("dev-outputs-file");
    const env = isolatedEnv(dir);
    const file = join(dir, "nonexistent", "o.json");
    const result = await command("dev.ts", ["--outputs-file", file], env);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `Error: invalid --outputs-file ${quoted(file)}: its folder ${quoted(join(dir, "nonexistent"))} does not exist; expected the name of a file in an existing, writable folder\n`,
    });
    // No local cloud, no deploy: the tools' work folder was never made.
    expect(existsSync(env.API_AUTH_COGNITO_WORK_DIR!)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(["tmp"]);
  }, 90_000);

  test("npm run dev -- --outputs-file naming a folder: exit 2, one line", async () => {
    const dir = ownFolder("dev-outputs-folder");
    const result = await command("dev.ts", ["--outputs-file", dir], isolatedEnv(dir));
    expect(result).toMatchObject({ code: 2, stdout: "", stderr: `Error: invalid --outputs-file ${quoted(dir)}: it is a folder; expected the name of a file in an existing, writable folder\n` });
  }, 90_000);

  test("npm run smoke -- --outputs-file /dev/zero or a pipe: exit 1, one line, no hang", async () => {
    const zero = await smoke(["dev", "--outputs-file", "/dev/zero"]);
    expect(zero).toMatchObject({ code: 1, stderr: 'Error: outputs file "/dev/zero" is a device, pipe or socket, not a file: expected the JSON file cdktf deploy --outputs-file writes\n' });
    const pipe = join(ownFolder("smoke-outputs-pipe"), "outputs.json");
    execFileSync("mkfifo", [pipe]);
    const piped = await smoke(["dev", "--outputs-file", pipe]);
    expect(piped).toMatchObject({ code: 1, stderr: `Error: outputs file ${quoted(pipe)} is a device, pipe or socket, not a file: expected the JSON file cdktf deploy --outputs-file writes\n` });
  }, 90_000);
});
