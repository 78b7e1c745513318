import { runCommand } from "../cli/command";
import { oneStage } from "../cli/stage-argument";

const usage = "npm run local:destroy -- <stage>";

/** `npm run local:destroy -- <stage>`: removes a stage from the running local cloud. */
runCommand(module, {
  usage,
  description: "Destroys, with the real Terraform, a stage that npm run local:deploy deployed to the running local cloud.",
  examples: ["npm run local:destroy -- dev"],
  async run(_options, positionals) {
    const stage = oneStage(positionals, usage);
    const { localStack } = await import("../terraform/local-stack");
    const { destroyStack } = await import("../terraform/local-deploy");
    const { stack, endpoint, workdir } = await localStack(stage);
    await destroyStack(stack, endpoint, workdir);
    console.log(`${stack.name} destroyed in the local cloud ${endpoint}`);
    return 0;
  },
});
