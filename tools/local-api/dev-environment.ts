import { join } from "node:path";
import { LambdaClient, UpdateFunctionCodeCommand } from "@aws-sdk/client-lambda";
import { stageNamed } from "../../config";
import { StageManifest } from "../../stage-manifest";
import { step } from "../cli/terminal";
import { LocalApi, startLocalApi } from "./api-server";
import { HandlerReloader } from "./handler-reloader";
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
 * its API on loopback with real IAM auth, and pushes each edit of a handler's sources to the emulator
 * (UpdateFunctionCode, only for the handlers the edit changes; see handler-reloader.ts) so the next request runs the
 * new code. Functions and their handler files come from the stage's manifest.
 */

/** A running development environment. */
export interface DevEnvironment {
  readonly cloud: LocalCloud;
  readonly api: LocalApi;
  /** What the app published about the deployed stage. */
  readonly manifest: StageManifest;
  /** The stack's outputs as AWS prints them, plus `LocalApiEndpoint`. */
  readonly outputs: Record<string, string>;
  /**
   * Rebuilds every function of the stage from its handler file and pushes the code, changed or not; resolves with
   * their names when the emulator has it, or rejects naming the handlers that do not build (the others are pushed).
   */
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
  /**
   * Called after each reload a file change (or {@link DevEnvironment.reloadHandlers}) caused, with the function's name
   * and the ms from the first file event to the emulator having the new code. @default none
   */
  readonly onReload?: (functionName: string, ms: number) => void;
  /** Whether the stage's rate limits apply to the served API (`LocalApiOptions.throttling`). @default true */
  readonly throttling?: boolean;
  /** The local cloud's port on 127.0.0.1 (`npm run dev` passes the fixed 4599). @default 0, a free port */
  readonly cloudPort?: number;
  /** The local API's port on 127.0.0.1 (`npm run dev` passes the fixed 4600). @default 0, a free port */
  readonly apiPort?: number;
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
  const cloud = await startLocalCloud({ logFile: join(WORK_ROOT, "dev-moto.log"), onNote: log, port: options.cloudPort });
  try {
    const stack = stageStack(synthesize(join(workdir, "out"), { stages: [stage] }), stage);
    const { manifest } = stack;
    step(`deploying ${stack.name} to the local cloud`);
    const outputs = await deployStack(stack, cloud.endpoint, join(workdir, "terraform"));
    step("serving the API");
    const api = await startLocalApi({ cloud, apiId: outputs[manifest.outputs.apiId], region: LOCAL_REGION, onLog: (line) => log(line), throttling: options.throttling, port: options.apiPort });
    const lambda = new LambdaClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

    const reloader = new HandlerReloader({
      functions: manifest.functions,
      root: sourceRoot,
      push: async (name, zip) => {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
      },
      log,
      onReload: options.onReload,
    });

    return {
      cloud,
      api,
      manifest,
      outputs: { ...outputs, LocalApiEndpoint: api.url },
      reloadHandlers: () => reloader.reloadAll(),
      stop: async () => {
        await reloader.stop();
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
