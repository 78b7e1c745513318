import { runCommand } from "../cli/command";

/** `npm run dev [-- <stage>]`: the guide's `sst start`, offline. */
runCommand(module, {
  usage: "npm run dev [-- <stage>]",
  description:
    "Starts the local cloud (moto and its front on loopback), or attaches to the one `npm run local:up` runs; deploys the stage (default dev) to it with the real Terraform unless it is deployed there as synthesized already; prints the outputs AWS would, serves the API on loopback with SigV4 and IAM authorization, reloads a handler when its file changes, and redeploys the difference when main.ts, config.ts, stage-manifest.ts or constructs/ change. Ctrl-C stops what it started.",
  arguments: { name: "stage", min: 0, max: 1 },
  examples: ["npm run dev", "npm run dev -- prod"],
  async run(_options, positionals) {
    const { startDev } = await import("../local-api/dev-environment");
    const { LOCAL_REGION } = await import("../local-cloud/local-account");
    const started = Date.now();
    const dev = await startDev({ stage: positionals[0], runningCloud: true });
    const how = dev.deployed ? "deployed to the local cloud" : "unchanged since its last deploy to this local cloud, nothing applied; ready";
    console.log(`\n${dev.manifest.stack} ${how} in ${((Date.now() - started) / 1000).toFixed(1)} s${dev.attached ? " (attached to the running local cloud, which Ctrl-C leaves running)" : ""}`);
    for (const [name, value] of Object.entries(dev.outputs)) console.log(`  ${name}: ${value}`);
    console.log(`\nAWS endpoint for the CLI and SDKs: ${dev.cloud.endpoint} (region ${LOCAL_REGION}, key pair test/test)`);
    console.log(`Serving the API on ${dev.api.url}; editing a handler file reloads it. Ctrl-C stops.`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await dev.stop();
    return 0;
  },
});
