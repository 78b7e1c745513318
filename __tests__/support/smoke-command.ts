import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../tools/terraform/terraform";

const run = promisify(execFile);

/** `npm run smoke`'s command, as npm runs it, in an environment without any AWS setting of this machine. */
export async function smoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
  try {
    const { stdout, stderr } = await run(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", "smoke.ts"), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...env, ...extraEnv, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

