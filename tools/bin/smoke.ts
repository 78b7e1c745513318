import { runCommand } from "../cli/command";

/** `npm run smoke -- <stage>`: the guide's walkthrough against a deployed stage. */
runCommand(module, {
  usage: "npm run smoke -- <stage> [--outputs-file FILE]",
  description:
    "Checks a deployed stage as the guide's walkthrough does: creates a throwaway user (AdminCreateUser, no message sent), signs in, trades the ID token for identity-pool credentials, then GET /public must answer 200 Hello stranger!, an unsigned GET /private 403 and a signed one 200 Hello <identity id>!. Deletes the user, also when a step fails. Reads the stage's outputs with npx cdktf output (AWS, the caller's credentials), or from FILE: cdktf deploy --outputs-file, or npm run dev --outputs-file for the local cloud and its API. Exit 1 names the step that failed.",
  arguments: { name: "stage", min: 1, max: 1 },
  options: {
    "outputs-file": { type: "string", valueName: "FILE", description: "the stage's outputs as cdktf deploy --outputs-file or npm run dev --outputs-file wrote them" },
  },
  examples: ["npm run smoke -- dev", "npm run smoke -- pr-42 --outputs-file outputs.json", "npm run dev -- --outputs-file outputs.json  # then, in another terminal: npm run smoke -- dev --outputs-file outputs.json"],
  async run(options, [stage]) {
    const { SETTING_SOURCES, stackName, stageNamed } = await import("../../config");
    const { readOutputsFile } = await import("../local-api/outputs-file");
    const { smokeTargetOf, smokeTest, SmokeTestFailure } = await import("../smoke/smoke-test");
    const { step } = await import("../cli/terminal");
    const stack = stackName(stageNamed(stage));
    const file = options["outputs-file"] as string | undefined;
    let outputs: Record<string, string>;
    if (file === undefined && process.env[SETTING_SOURCES.target.env] === "local") {
      // The local cloud's stacks have no API of their own: npm run dev serves it, and its outputs file says where.
      throw new Error(`against the local cloud, the API is npm run dev's: run npm run dev -- ${stage} --outputs-file outputs.json, then npm run smoke -- ${stage} --outputs-file outputs.json`);
    }
    if (file === undefined) {
      const { deployedOutputs } = await import("../smoke/deployed-outputs");
      step(`reading the outputs of ${stack} (npx cdktf output)`);
      outputs = await deployedOutputs(stage, stack);
    } else {
      outputs = readOutputsFile(file, stack);
    }
    const target = smokeTargetOf(outputs);
    step(`smoke test of ${stack}${target.awsEndpoint ? ` on the local cloud ${target.awsEndpoint}` : ""}`);
    try {
      const steps = await smokeTest(target, ({ name, detail }) => step(`passed: ${name} (${detail})`));
      console.log(`${stack}: smoke test passed, ${steps.length} steps`);
      return 0;
    } catch (error) {
      if (error instanceof SmokeTestFailure) throw new Error(`smoke test of ${stack} failed at step "${error.step}": ${error.reason}`);
      throw error;
    }
  },
});
