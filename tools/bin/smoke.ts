import { quoted, runCommand, UsageError } from "../cli/command";

/** The longest --retry-for: a smoke test that waits longer than that is waiting on a fault, not on propagation. */
const MAX_RETRY_SECONDS = 900;

/** `npm run smoke -- <stage>`: the guide's walkthrough against a deployed stage. */
runCommand(module, {
  usage: "npm run smoke -- <stage> [--outputs-file FILE] [--retry-for SECONDS]",
  description:
    `Checks a deployed stage as the guide's walkthrough does: creates a throwaway user (AdminCreateUser, no message sent), signs in, trades the ID token for identity-pool credentials, then GET /public must answer 200 Hello stranger!, an unsigned GET /private 403 and a signed one 200 Hello <identity id>!. Deletes the user, also when a step fails. Right after a first deploy AWS is eventually consistent: each step retries, with backoff (1, 2, 4, 8 s, then every 8 s) for up to 60 s, on exactly the errors that gives (InvalidIdentityPoolConfigurationException, ResourceNotFoundException, HTTP 404, HTTP 500, HTTP 403 of a signed call: tools/smoke/transient-errors.ts), one line on stderr per retry; any other error fails at once. Reads the stage's outputs with npx cdktf output (AWS, the caller's credentials), or from FILE: cdktf deploy --outputs-file, or npm run dev --outputs-file for the local cloud and its API. Exit 1 names the step that failed and its last error.`,
  arguments: { name: "stage", min: 1, max: 1 },
  options: {
    "outputs-file": { type: "string", valueName: "FILE", description: "the stage's outputs as cdktf deploy --outputs-file or npm run dev --outputs-file wrote them" },
    "retry-for": { type: "string", valueName: "SECONDS", description: `how long each step retries errors of eventual consistency, 0 to ${MAX_RETRY_SECONDS} (default 60; 0: fail at the first error)` },
  },
  examples: ["npm run smoke -- dev", "npm run smoke -- pr-42 --outputs-file outputs.json", "npm run dev -- --outputs-file outputs.json  # then, in another terminal: npm run smoke -- dev --outputs-file outputs.json"],
  async run(options, [stage]) {
    const retryFor = options["retry-for"] === undefined ? undefined : Number(options["retry-for"]);
    if (retryFor !== undefined && (!/^\d+$/.test(options["retry-for"] as string) || retryFor > MAX_RETRY_SECONDS)) {
      throw new UsageError(`invalid --retry-for ${quoted(options["retry-for"])}: expected a whole number of seconds from 0 to ${MAX_RETRY_SECONDS}`);
    }
    const { SETTING_SOURCES, stackName, stageNamed } = await import("../../app/contract");
    const { readOutputsFile } = await import("../dev");
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
      const steps = await smokeTest(target, ({ name, detail }) => step(`passed: ${name} (${detail})`), {
        ...(retryFor !== undefined && { withinMs: retryFor * 1000 }),
        report: (line) => process.stderr.write(`${line}\n`),
      });
      console.log(`${stack}: smoke test passed, ${steps.length} steps`);
      return 0;
    } catch (error) {
      if (error instanceof SmokeTestFailure) throw new Error(`smoke test of ${stack} failed at step "${error.step}": ${error.reason}`);
      throw error;
    }
  },
});
