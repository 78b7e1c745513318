import { runCommand } from "../cli/command";

/** `npm run dev [-- <stage>]`: the guide's `sst start`, offline. */
runCommand(module, {
  usage: "npm run dev [-- <stage>]",
  description:
    "Starts the local cloud (moto and its front on loopback), deploys the stage (default dev) to it with the real Terraform, prints the outputs AWS would, serves the API on loopback with SigV4 and IAM authorization, and reloads a handler when its file changes. Ctrl-C stops everything.",
  arguments: { name: "stage", min: 0, max: 1 },
  examples: ["npm run dev", "npm run dev -- prod"],
  async run(_options, positionals) {
    const { startDev } = await import("../local-api/dev-environment");
    const { LOCAL_REGION } = await import("../local-cloud/local-account");
    const { handleShutdown } = await import("../cli/lifecycle");
    // From the first moment: a Ctrl-C during the deploy ends the command (moto's guard stops moto with it).
    const shutdown = handleShutdown();
    const started = Date.now();
    const dev = await startDev({ stage: positionals[0] });
    shutdown.onShutdown("the development environment", () => dev.stop());
    console.log(`\n${dev.manifest.stack} deployed to the local cloud in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const [name, value] of Object.entries(dev.outputs)) console.log(`  ${name}: ${value}`);
    console.log(`\nAWS endpoint for the CLI and SDKs: ${dev.cloud.endpoint} (region ${LOCAL_REGION}, key pair test/test)`);
    console.log(`Serving the API on ${dev.api.url}; editing a handler file reloads it. Ctrl-C stops.`);
    // Until Ctrl-C, SIGTERM, SIGHUP or the end of npm; or moto's death, which ends the command with exit 1.
    return shutdown.until([dev.cloud.died.then((died) => `the local cloud stopped: ${died}; start again with npm run dev`)]);
  },
});
