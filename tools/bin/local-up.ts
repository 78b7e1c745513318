import { runCommand } from "../cli/command";

/** `npm run local:up`: the local cloud in the foreground. */
runCommand(module, {
  usage: "npm run local:up",
  description:
    "Starts the local cloud: moto and the front that fills its gaps, on loopback. Stays in the foreground until Ctrl-C; meanwhile npm run local:deploy and local:destroy use it, and so do the AWS CLI and SDKs with --endpoint-url.",
  async run() {
    const { join } = await import("node:path");
    const { startLocalCloud } = await import("../local-cloud/front");
    const { motoMissing } = await import("../local-cloud/moto");
    const { LOCAL_REGION } = await import("../local-cloud/local-account");
    const { recordRunningCloud, forgetRunningCloud, clearStaleCloud, CLOUD_FILE } = await import("../local-cloud/running-cloud");
    const { note, step } = await import("../cli/terminal");
    const { handleShutdown } = await import("../cli/lifecycle");
    // From the first moment: a Ctrl-C while moto starts stops it too.
    const shutdown = handleShutdown();
    const missing = motoMissing();
    if (missing) throw new Error(missing);
    const stale = clearStaleCloud();
    if (stale) note(stale);
    step("starting moto and its front");
    const cloud = await startLocalCloud({ logFile: join(CLOUD_FILE, "..", "moto.log") });
    shutdown.onShutdown("the local cloud", () => cloud.stop());
    recordRunningCloud(cloud.endpoint, { pid: cloud.motoPid, socketPath: cloud.motoSocketPath });
    shutdown.onShutdown("the local cloud's record", forgetRunningCloud);
    console.log(`Local cloud on ${cloud.endpoint} (region ${LOCAL_REGION}; moto behind it on ${cloud.motoSocketPath}, closed to other processes).`);
    console.log("Deploy a stage with: npm run local:deploy -- dev     Stop with Ctrl-C.");
    console.log(`AWS CLI: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${cloud.endpoint} --region ${LOCAL_REGION} ... (the local key pair; others are refused)`);
    // Until Ctrl-C, SIGTERM, SIGHUP or the end of npm; or moto's death, which ends the command with exit 1.
    return shutdown.until([cloud.died.then((died) => `the local cloud stopped: ${died}; start it again with npm run local:up`)]);
  },
});
