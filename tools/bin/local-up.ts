import { runCommand, UsageError } from "../cli/command";

/** `npm run local:up`: the local cloud in the foreground. */
runCommand(module, {
  usage: "npm run local:up [-- --port N]",
  description:
    "Starts the local cloud: moto and the front that fills its gaps, on 127.0.0.1:4599 (with its state bucket for API_AUTH_COGNITO_TARGET=local). Prints the lines to paste into your shell for the AWS CLI and SDKs. Stays in the foreground until Ctrl-C; meanwhile npm run local:deploy and local:destroy use it, and so does npx cdktf with API_AUTH_COGNITO_TARGET=local.",
  options: {
    port: { type: "string", valueName: "N", description: "port of the local cloud on 127.0.0.1 (default 4599, or API_AUTH_COGNITO_CLOUD_PORT; 0: any free port)" },
  },
  examples: ["npm run local:up", "npm run local:up -- --port 4700"],
  async run(options) {
    const { mkdirSync } = await import("node:fs");
    const { dirname, join } = await import("node:path");
    const { CLOUD_FILE, clearStaleCloud, DEFAULT_STATE_FOLDER, explainTakenPort, forgetRunningCloud, recordRunningCloud, startLocalCloud } = await import("../local-cloud");
    const { shellBlock } = await import("../dev");
    const { CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, LOCAL_STATE_BUCKET, portSetting } = await import("../../app/contract");
    const { note, step } = await import("../cli/terminal");
    const { handleShutdown } = await import("../cli/lifecycle");
    let port: number;
    try {
      port = portSetting({ name: "port", value: options.port as string | undefined }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    // From the first moment: a Ctrl-C while moto starts stops it too.
    const shutdown = handleShutdown();
    const stale = clearStaleCloud();
    if (stale) note(stale);
    step(`starting moto and its front on 127.0.0.1:${port}`);
    // moto's log goes beside the record of the running cloud, which may not exist yet.
    mkdirSync(dirname(CLOUD_FILE), { recursive: true });
    const cloud = await startLocalCloud({ logFile: join(CLOUD_FILE, "..", "moto.log"), port, buckets: [LOCAL_STATE_BUCKET], stateFolder: DEFAULT_STATE_FOLDER, onNote: (line) => console.error(line) }).catch((error: unknown) => {
      throw explainTakenPort(error, [{ port, flag: "port", env: CLOUD_PORT_ENV }]);
    });
    shutdown.onShutdown("the local cloud", () => cloud.stop());
    recordRunningCloud(cloud.endpoint, { pid: cloud.motoPid, socketPath: cloud.motoSocketPath });
    shutdown.onShutdown("the local cloud's record", forgetRunningCloud);
    console.log(`Local cloud on ${cloud.endpoint} (moto behind it on ${cloud.motoSocketPath}, closed to other users).`);
    console.log("Deploy a stage with: npm run local:deploy -- dev, or API_AUTH_COGNITO_TARGET=local npx cdktf deploy api-auth-cognito-dev. Stop with Ctrl-C.");
    console.log("\nPaste into your shell for the AWS CLI and SDKs (the local key pair; others are refused):\n");
    process.stdout.write(shellBlock({ cloud: cloud.endpoint }));
    // Until Ctrl-C, SIGTERM, SIGHUP or the end of npm; or moto's death, which ends the command with exit 1.
    return shutdown.until([cloud.died.then((died) => `the local cloud stopped: ${died}; start it again with npm run local:up`)]);
  },
});
