import { runCommand } from "../cli/command";

/** `npm run local:destroy -- <stage>`: removes a stage from the running local cloud. */
runCommand(module, {
  usage: "npm run local:destroy -- <stage>",
  description: "Destroys, with the real Terraform, a stage that npm run local:deploy deployed to the running local cloud.",
  arguments: { name: "stage", min: 1, max: 1 },
  examples: ["npm run local:destroy -- dev"],
  async run(_options, positionals) {
    const [stage] = positionals;
    const { localStack } = await import("../terraform/local-stack");
    const { destroyStack } = await import("../terraform/local-deploy");
    const { stack, endpoint, workdir } = await localStack(stage);
    await destroyStack(stack, endpoint, workdir);
    console.log(`${stack.name} destroyed in the local cloud ${endpoint}`);
    return 0;
  },
});
