import { runCommand, UsageError } from "../cli/command";

/** `npm run dev [-- <stage>]`: the guide's `sst start`, offline. */
runCommand(module, {
  usage: "npm run dev [-- <stage>] [--port N] [--api-port N] [--outputs-file FILE]",
  description:
    "Starts the local cloud (moto and its front on 127.0.0.1:4599), or attaches to the one `npm run local:up` runs; deploys the stage (default dev) to it with the real Terraform unless it is deployed there as synthesized already; prints the outputs AWS would and the lines to paste into your shell for docs/try-it.md; serves the API on 127.0.0.1:4600 with SigV4 and IAM authorization; reloads a handler when its file changes, and redeploys the difference when main.ts (or another module at the project root), a file under app/ or one under constructs/ changes. Ctrl-C stops what it started.",
  arguments: { name: "stage", min: 0, max: 1 },
  options: {
    port: { type: "string", valueName: "N", description: "port of the local cloud (default 4599, or API_AUTH_COGNITO_CLOUD_PORT; 0: any free port)" },
    "api-port": { type: "string", valueName: "N", description: "port of the local API (default 4600, or API_AUTH_COGNITO_API_PORT; 0: any free port)" },
    "outputs-file": { type: "string", valueName: "FILE", description: "write the outputs as JSON, as cdktf deploy --outputs-file does, plus the local endpoints" },
  },
  examples: ["npm run dev", "npm run dev -- prod", "npm run dev -- --port 4700 --api-port 4701", "npm run dev -- --outputs-file outputs.json"],
  async run(options, positionals) {
    const { checkOutputsFileTarget, LOCAL_OUTPUT_NAMES, shellBlock, startDev, writeOutputsFile } = await import("../dev");
    const { explainTakenPort } = await import("../local-cloud");
    const { API_PORT_ENV, CLOUD_PORT_ENV, DEFAULT_API_PORT, DEFAULT_CLOUD_PORT, portSetting } = await import("../../app/contract");
    const { handleShutdown } = await import("../cli/lifecycle");
    let cloudPort: number, apiPort: number;
    try {
      cloudPort = portSetting({ name: "port", value: options.port as string | undefined }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT);
      apiPort = portSetting({ name: "api-port", value: options["api-port"] as string | undefined }, API_PORT_ENV, DEFAULT_API_PORT);
      // Before the deploy: a file that cannot be written is found in an instant, not after it.
      if (typeof options["outputs-file"] === "string") checkOutputsFileTarget(options["outputs-file"]);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    // From the first moment: a Ctrl-C during the deploy ends the command (moto's guard stops moto with it).
    const shutdown = handleShutdown();
    const started = Date.now();
    const { DEFAULT_STATE_FOLDER } = await import("../local-cloud");
    const dev = await startDev({ stage: positionals[0], runningCloud: true, cloudPort, apiPort, stateFolder: DEFAULT_STATE_FOLDER }).catch((error: unknown) => {
      throw explainTakenPort(error, [
        { port: cloudPort, flag: "port", env: CLOUD_PORT_ENV },
        { port: apiPort, flag: "api-port", env: API_PORT_ENV },
      ]);
    });
    shutdown.onShutdown("the development environment", () => dev.stop());
    const outputs = { ...dev.outputs, [LOCAL_OUTPUT_NAMES.cloud]: dev.cloud.endpoint };
    const how = dev.deployed ? "deployed to the local cloud" : "unchanged since its last deploy to this local cloud, nothing applied; ready";
    console.log(`\n${dev.manifest.stack} ${how} in ${((Date.now() - started) / 1000).toFixed(1)} s${dev.attached ? " (attached to the running local cloud, which Ctrl-C leaves running)" : ""}`);
    for (const [name, value] of Object.entries(outputs)) console.log(`  ${name}: ${value}`);
    if (typeof options["outputs-file"] === "string") console.log(`The outputs have been written to ${writeOutputsFile(options["outputs-file"], dev.manifest.stack, outputs)}`);
    console.log(`\nPaste into your shell for the AWS CLI and SDKs and docs/try-it.md (API is the local API):\n`);
    process.stdout.write(shellBlock({ cloud: dev.cloud.endpoint, api: dev.api.url }, { outputNames: dev.manifest.outputs, outputs: dev.outputs }));
    console.log(`\nServing the API on ${dev.api.url}; editing a handler file reloads it. Ctrl-C stops.`);
    // Until Ctrl-C, SIGTERM, SIGHUP or the end of npm; or the cloud's death, which ends the command with exit 1.
    return shutdown.until([dev.died]);
  },
});
