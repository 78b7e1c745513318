import { join } from "node:path";
import { stageNamed } from "../../app/contract";
import { runningCloudEndpoint } from "../local-cloud";
import { stageStack, synthesize, SynthesizedStack } from "./synthesize";
import { prepareTerraform } from "./terraform";
import { WORK_ROOT } from "../shared/paths";

/** A stage ready for `local:deploy` or `local:destroy`: synthesized alone, and the running local cloud found. */
export async function localStack(stage: string): Promise<{ stack: SynthesizedStack; endpoint: string; workdir: string }> {
  stageNamed(stage);
  prepareTerraform();
  const endpoint = await runningCloudEndpoint();
  const stack = stageStack(synthesize(join(WORK_ROOT, "synth", "local"), { stages: [stage] }), stage);
  return { stack, endpoint, workdir: join(WORK_ROOT, "local", stack.name) };
}
