import { runCommand } from "../cli/command";

/** `npm run local:deploy -- <stage>`: a stage on the running local cloud. */
runCommand(module, {
  usage: "npm run local:deploy -- <stage>",
  description:
    "Synthesizes the stage and deploys it with the real Terraform to the local cloud that npm run local:up serves, with its state in the emulator's S3 (S3-native locking, as on AWS). Prints the stack's outputs as AWS would. Ctrl-C (or SIGTERM) interrupts Terraform once and waits for it to release the state lock, saying so; a second Ctrl-C leaves it. A deploy that was killed is recovered by running this command again: it releases a state lock whose terraform is gone, saying which and why, and adopts what the killed deploy created.",
  arguments: { name: "stage", min: 1, max: 1 },
  examples: ["npm run local:deploy -- dev"],
  async run(_options, positionals) {
    const [stage] = positionals;
    const { runStoppable } = await import("../terraform/terraform");
    return runStoppable(async () => {
      const { localStack } = await import("../terraform/local-stack");
      const { deployStack } = await import("../terraform/local-deploy");
      const { stack, endpoint, workdir } = await localStack(stage);
      const started = Date.now();
      const outputs = await deployStack(stack, endpoint, workdir);
      console.log(`\n${stack.name} deployed to the local cloud ${endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s\n  Outputs:`);
      for (const [name, value] of Object.entries(outputs)) console.log(`    ${name}: ${value}`);
      return 0;
    });
  },
});
