import { runCommand } from "../cli/command";

/** `npm run local:unlock -- <stage>`: releases a stage's state lock that a killed deploy left in the local cloud. */
runCommand(module, {
  usage: "npm run local:unlock -- <stage>",
  description:
    "Releases the state lock of the stage in the running local cloud when the terraform that took it is gone: taken on this host, and no terraform process of this host works on that state any more (it was killed, under npm run local:deploy, npm run dev or API_AUTH_COGNITO_TARGET=local npx cdktf deploy). Says which lock it released and why that was safe. A lock a running terraform holds, or one taken on another host, is left alone: exit 1, naming its holder.",
  arguments: { name: "stage", min: 1, max: 1 },
  examples: ["npm run local:unlock -- dev"],
  async run(_options, [stage]) {
    const { localStack } = await import("../terraform/local-stack");
    const { unlockStack } = await import("../terraform/local-deploy");
    const { stack, endpoint } = await localStack(stage);
    console.log(await unlockStack(stack, endpoint));
    return 0;
  },
});
