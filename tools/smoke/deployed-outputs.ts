import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SETTING_SOURCES } from "../../app/contract";
import { readOutputsFile } from "../dev";
import { PROJECT_ROOT } from "../shared/paths";

/**
 * The outputs of a stage deployed to AWS, as `npx cdktf output <stack>` reads them from the stage's state, with the
 * caller's credentials. Throws with what to run when there are none.
 */
export async function deployedOutputs(stage: string, stack: string): Promise<Record<string, string>> {
  const scratch = mkdtempSync(join(tmpdir(), "smoke-outputs-"));
  const file = join(scratch, "outputs.json");
  try {
    await promisify(execFile)("npx", ["cdktf", "output", stack, "--outputs-file", file], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, [SETTING_SOURCES.stages.env]: stage, CHECKPOINT_DISABLE: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return readOutputsFile(file, stack);
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    const last = `${stderr ?? ""}\n${stdout ?? ""}`.trim().split("\n").filter((line) => line.trim()).pop() ?? message;
    throw new Error(`cannot read the outputs of ${stack} (npx cdktf output ${stack}: ${last.trim()}): deploy the stage first, or pass --outputs-file`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
