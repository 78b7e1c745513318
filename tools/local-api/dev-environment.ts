import { watch } from "node:fs";
import { join } from "node:path";
import { LambdaClient, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { APP_NAME, STAGES } from "../../config";
import { bundleHandler } from "../../constructs/bundle";
import { stackName } from "../../main";
import { zipDirectory } from "../terraform/archive-stand-in";
import { runCli } from "../cli/run-cli";
import { LocalApi, startLocalApi } from "./api-server";
import { deployStack } from "../terraform/local-deploy";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud/local-account";
import { LocalCloud, startLocalCloud } from "../local-cloud/front";
import { lambdaNodeMissing } from "./lambda-runner";
import { motoMissing } from "../local-cloud/moto";
import { synthesize } from "../terraform/synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing, WORK_ROOT } from "../terraform/terraform";

// The SDK clients here are dev tooling; their notice that Node 20 is past its end of life is not news to act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * `npm run dev [-- <stage>]`: the guide's `sst start`, offline. Deploys a stage to the local cloud with the real
 * Terraform, prints the outputs AWS would, serves the API on loopback with real IAM auth, and pushes every edit
 * of `lambdas/*.ts` to the emulator (UpdateFunctionCode) so the next request runs the new code.
 */

/** A running development environment. */
export interface DevEnvironment {
  readonly cloud: LocalCloud;
  readonly api: LocalApi;
  /** The stack's outputs as AWS prints them, plus `LocalApiEndpoint`. */
  readonly outputs: Record<string, string>;
  /** Rebuilds every function from `lambdas/` and pushes the code; resolves when the emulator has it. */
  reloadHandlers(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Options of {@link startDev}. */
export interface DevOptions {
  /** @default "dev" */
  readonly stage?: string;
  /** Where Terraform's working copy and the synthesized stack go. @default .tfwork/dev */
  readonly workdir?: string;
  /** The handler files to watch and push. @default the project's lambdas/ */
  readonly lambdasDir?: string;
  /** Receives status and handler log lines. @default console.log */
  readonly log?: (line: string) => void;
}

/** Starts the local cloud, deploys a stage and serves its API, reloading handlers as their files change. */
export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const stage = options.stage ?? "dev";
  const workdir = options.workdir ?? join(WORK_ROOT, "dev");
  const lambdasDir = options.lambdasDir ?? join(PROJECT_ROOT, "lambdas");
  const log = options.log ?? console.log;
  const config = STAGES.find((s) => s.name === stage);
  if (!config) throw new Error(`unknown stage "${stage}": expected one of ${STAGES.map((s) => s.name).join(", ")}`);
  const missing = terraformMissing() ?? motoMissing() ?? lambdaNodeMissing();
  if (missing) throw new Error(missing);
  cliConfigFile();

  const cloud = await startLocalCloud({ logFile: join(WORK_ROOT, "dev-moto.log") });
  try {
    const stack = synthesize(join(workdir, "out")).find((s) => s.name === stackName(config))!;
    const outputs = await deployStack(stack, cloud.endpoint, join(workdir, "terraform"));
    const apiId = new URL(outputs.ApiEndpoint).hostname.split(".")[0];
    const api = await startLocalApi({ cloud, apiId, region: LOCAL_REGION, onLog: (line) => log(line) });
    const lambda = new LambdaClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const prefix = `${APP_NAME}-${stage}-`;

    const reloadHandlers = async () => {
      const names = cloud.lambdaCode.names().filter((name) => name.startsWith(prefix));
      for (const name of names) {
        // main.ts names each function <app>-<stage>-<handler> after its file lambdas/<handler>.ts.
        const entry = join(lambdasDir, `${name.slice(prefix.length)}.ts`);
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipDirectory(bundleHandler(entry)) }));
      }
      return names;
    };

    let pending: Promise<unknown> = Promise.resolve();
    const watcher = watch(lambdasDir, () => {
      // Edits arrive as bursts of events: one reload after the last, in order with any reload under way.
      pending = pending.then(async () => {
        const started = Date.now();
        try {
          const names = await reloadHandlers();
          log(`reloaded ${names.join(", ")} in ${Date.now() - started} ms`);
        } catch (error) {
          log(`reload failed: ${(error as Error).message}`);
        }
      });
    });

    return {
      cloud,
      api,
      outputs: { ...outputs, LocalApiEndpoint: api.url },
      reloadHandlers,
      stop: async () => {
        watcher.close();
        await pending;
        lambda.destroy();
        await api.stop();
        await cloud.stop();
      },
    };
  } catch (error) {
    await cloud.stop();
    throw error;
  }
}

runCli(module, async (args) => {
  const started = Date.now();
  const dev = await startDev({ stage: args[0] });
  console.log(`\n${APP_NAME}-${args[0] ?? "dev"} deployed to the local cloud in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [name, value] of Object.entries(dev.outputs)) console.log(`  ${name}: ${value}`);
  console.log(`\nAWS endpoint for the CLI and SDKs: ${dev.cloud.endpoint} (region ${LOCAL_REGION}, any access key)`);
  console.log(`Serving the API on ${dev.api.url}; editing lambdas/*.ts reloads the handlers. Ctrl-C stops.`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await dev.stop();
  return 0;
});
