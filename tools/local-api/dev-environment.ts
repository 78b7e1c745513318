import { watch } from "node:fs";
import { dirname, join } from "node:path";
import { LambdaClient, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { stageNamed } from "../../config";
import { bundleHandler } from "../../constructs/bundle";
import { StageManifest } from "../../stage-manifest";
import { step } from "../cli/terminal";
import { zipDirectory } from "../terraform/archive-stand-in";
import { LocalApi, startLocalApi } from "./api-server";
import { deployStack } from "../terraform/local-deploy";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud/local-account";
import { LocalCloud, startLocalCloud } from "../local-cloud/front";
import { lambdaNodeMissing } from "./lambda-node";
import { motoMissing } from "../local-cloud/moto";
import { stageStack, synthesize } from "../terraform/synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing, WORK_ROOT } from "../terraform/terraform";

// The SDK clients here are dev tooling; their notice that Node 20 is past its end of life is not news to act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * The guide's `sst start`, offline (`npm run dev`): deploys a stage to the local cloud with the real Terraform, serves
 * its API on loopback with real IAM auth, and pushes every edit of a handler file to the emulator
 * (UpdateFunctionCode) so the next request runs the new code. Functions and their handler files come from the
 * stage's manifest.
 */

/** A running development environment. */
export interface DevEnvironment {
  readonly cloud: LocalCloud;
  readonly api: LocalApi;
  /** What the app published about the deployed stage. */
  readonly manifest: StageManifest;
  /** The stack's outputs as AWS prints them, plus `LocalApiEndpoint`. */
  readonly outputs: Record<string, string>;
  /** Rebuilds every function of the stage from its handler file and pushes the code; resolves when the emulator has it. */
  reloadHandlers(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Options of {@link startDev}. */
export interface DevOptions {
  /** @default "dev" */
  readonly stage?: string;
  /** Where Terraform's working copy and the synthesized stack go. @default .tfwork/dev */
  readonly workdir?: string;
  /** Where the handler files the manifest names (`lambdas/private.ts`) are read from, watched and pushed. @default the project root */
  readonly sourceRoot?: string;
  /** Receives status and handler log lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Whether the stage's rate limits apply to the served API (`LocalApiOptions.throttling`). @default true */
  readonly throttling?: boolean;
}

/** Starts the local cloud, deploys a stage and serves its API, reloading handlers as their files change. */
export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const stage = options.stage ?? "dev";
  const workdir = options.workdir ?? join(WORK_ROOT, "dev");
  const sourceRoot = options.sourceRoot ?? PROJECT_ROOT;
  const log = options.log ?? console.log;
  stageNamed(stage);
  const missing = terraformMissing() ?? motoMissing() ?? lambdaNodeMissing();
  if (missing) throw new Error(missing);
  cliConfigFile();

  step("starting the local cloud");
  const cloud = await startLocalCloud({ logFile: join(WORK_ROOT, "dev-moto.log") });
  try {
    const stack = stageStack(synthesize(join(workdir, "out"), { stages: [stage] }), stage);
    const { manifest } = stack;
    step(`deploying ${stack.name} to the local cloud`);
    const outputs = await deployStack(stack, cloud.endpoint, join(workdir, "terraform"));
    step("serving the API");
    const api = await startLocalApi({ cloud, apiId: outputs[manifest.outputs.apiId], region: LOCAL_REGION, onLog: (line) => log(line), throttling: options.throttling });
    const lambda = new LambdaClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

    const reloadHandlers = async () => {
      for (const { name, entry } of manifest.functions) {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipDirectory(bundleHandler(join(sourceRoot, entry))) }));
      }
      return manifest.functions.map((fn) => fn.name);
    };

    let pending: Promise<unknown> = Promise.resolve();
    const onChange = () => {
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
    };
    const handlerDirs = [...new Set(manifest.functions.map((fn) => dirname(join(sourceRoot, fn.entry))))];
    const watchers = handlerDirs.map((dir) => watch(dir, onChange));

    return {
      cloud,
      api,
      manifest,
      outputs: { ...outputs, LocalApiEndpoint: api.url },
      reloadHandlers,
      stop: async () => {
        for (const watcher of watchers) watcher.close();
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
