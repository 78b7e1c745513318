import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../tools/shared/paths";

/** What {@link smoke} gives back. */
export interface SmokeResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `npm run smoke`'s command, as npm runs it, in an environment without any AWS setting of this machine. Unless `args`
 * name `--retry-for`, it runs with `--retry-for 0`: the local cloud has no propagation to wait for unless a test makes
 * one, and a failure a test expects then shows at once instead of after the 60 s window. `onStderrLine` sees each line
 * of stderr as it comes (a test that makes a step fail transiently ends the fault on the first retry line).
 */
export function smoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}, onStderrLine: (line: string) => void = () => {}): Promise<SmokeResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
  const retry = args.some((arg) => arg === "--retry-for" || arg.startsWith("--retry-for=")) ? [] : ["--retry-for", "0"];
  const child = spawn(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), [join("tools", "bin", "smoke.ts"), ...args, ...retry], {
    cwd: PROJECT_ROOT,
    env: { ...env, ...extraEnv, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    lines.forEach(onStderrLine);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
