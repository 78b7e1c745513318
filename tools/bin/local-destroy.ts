import { runCommand } from "../cli/command";

/** `npm run local:destroy -- <stage>`: removes a stage from the running local cloud. */
runCommand(module, {
  usage: "npm run local:destroy -- <stage>",
  description:
    "Destroys, with the real Terraform, a stage that npm run local:deploy deployed to the running local cloud. Ctrl-C (or SIGTERM) interrupts Terraform once and waits for it to release the state lock, saying so; a second Ctrl-C leaves it. A destroy that was killed is recovered by running this command again: it releases a state lock whose terraform is gone, saying which and why.",
  arguments: { name: "stage", min: 1, max: 1 },
  examples: ["npm run local:destroy -- dev"],
  async run(_options, positionals) {
    const [stage] = positionals;
    const { runStoppable } = await import("../terraform/terraform");
    return runStoppable(async () => {
      const { localStack } = await import("../terraform/local-stack");
      const { destroyStack } = await import("../terraform/local-deploy");
      const { stack, endpoint, workdir } = await localStack(stage);
      await destroyStack(stack, endpoint, workdir);
      console.log(`${stack.name} destroyed in the local cloud ${endpoint}`);
      return 0;
    });
  },
});
