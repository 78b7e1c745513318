import { join } from "node:path";
import { OUTPUT_NAMES, type StageManifest, stageNamed } from "../../app/contract";
import { step } from "../cli/terminal";
import { lambdaNodeMissing, type LocalApi, type LocalApiOptions } from "../local-api";
import { CLOUD_FILE, type CloudView, LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";
import { PROJECT_ROOT, WORK_ROOT } from "../shared/paths";
import { type Deployment, StageDeployer, synthesizeStage } from "./deployer";
import { LOCAL_OUTPUT_NAMES } from "./outputs-file";
import { openSessionCloud } from "./session-cloud";

/**
 * The guide's `sst start`, offline (`npm run dev`), put together as SST's `mosaic/dev` puts its parts: the local cloud
 * (session-cloud.ts: the one `npm run local:up` runs, attached to and left running, else one of the session's own),
 * the stage deployed to it with the real Terraform (deployer.ts: nothing applied when that very cloud already has the
 * stack as synthesized), its API served on loopback with real IAM auth, and two reloaders. Each edit of a handler's
 * sources is pushed to the emulator (handler-reloader.ts: UpdateFunctionCode, only for the handlers the edit
 * changes) so the next request runs the new code; each edit of the infrastructure's sources (infra-reloader.ts) is
 * redeployed, then the API's routes and the functions the handler reloader keeps are reloaded. Functions and their
 * handler files come from the stage's manifest. What dev prints and writes of the outcome is the command's
 * (tools/bin/dev.ts, with outputs-file.ts and shell-block.ts).
 */

/** A running development environment. */
export interface DevEnvironment {
  /** The local cloud: this process's own, or the running one dev attached to. */
  readonly cloud: CloudView;
  /** Whether dev attached to a local cloud that was already running (and leaves it running on stop). */
  readonly attached: boolean;
  /**
   * Resolves with one line once the local cloud is gone: dev's own cloud's moto died (`LocalCloud.died`), or the
   * attached cloud stopped answering (its change feed fails twice, about a second after it died). Never resolves
   * while the cloud runs, nor after {@link stop}.
   */
  readonly died: Promise<string>;
  /** Whether this start ran `terraform apply`: `false` when the synthesized stack was already deployed to this cloud. */
  readonly deployed: boolean;
  readonly api: LocalApi;
  /** What the app published about the deployed stage (as of the last successful redeploy). */
  readonly manifest: StageManifest;
  /** The stack's outputs as AWS prints them, plus `LocalApiEndpoint` (as of the last successful redeploy). */
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
  /** Where Terraform's working copy, the synthesized stack and the deployment record go. @default .tfwork/dev */
  readonly workdir?: string;
  /** Where the handler files the manifest names (`lambdas/private.ts`) are read from, watched and pushed. @default the project root */
  readonly sourceRoot?: string;
  /** The project that is synthesized (`main.ts`) and whose infrastructure sources are watched. @default this project */
  readonly projectRoot?: string;
  /**
   * Where to look for a running local cloud to attach to: `true` for the record `npm run local:up` writes
   * (.tfwork/local/cloud.json, as `npm run dev` does), or another record file; `false` always starts a cloud of
   * dev's own. @default false, so that tests never deploy into a developer's running cloud
   */
  readonly runningCloud?: string | boolean;
  /** Whether saving main.ts, a file under app/ or a file under constructs/ redeploys. @default true */
  readonly infraReload?: boolean;
  /** Receives status and handler log lines. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Called after each reload a file change (or {@link DevEnvironment.reloadHandlers}) caused, with the function's name
   * and the ms from the first file event to the emulator having the new code. @default none
   */
  readonly onReload?: (functionName: string, ms: number) => void;
  /** Called after each redeploy an infrastructure edit caused, with its ms and how many resources changed. @default none */
  readonly onRedeploy?: (ms: number, changed: number) => void;
  /** Whether the stage's rate limits apply to the served API (`LocalApiOptions.throttling`). @default true */
  readonly throttling?: boolean;
  /** Port of the local cloud dev starts when it attaches to none (127.0.0.1). @default 0, a free port */
  readonly cloudPort?: number;
  /**
   * Where a cloud of the session's own keeps its state, so that the next session finds it as this one left it (and
   * applies nothing when the stage is unchanged). @default none: the cloud starts with nothing and keeps nothing
   */
  readonly stateFolder?: string;
  /** Port of the local API (127.0.0.1). @default 0, a free port */
  readonly apiPort?: number;
}

/** Throws the one line of {@link lambdaNodeMissing} for the first runtime of `manifest`'s functions that has no Node here. */
function assertLambdaNodes(manifest: StageManifest): void {
  for (const runtime of new Set(manifest.functions.map((fn) => fn.runtime))) {
    const missing = lambdaNodeMissing(runtime);
    if (missing) throw new Error(missing);
  }
}

/** Starts (or attaches to) the local cloud, deploys a stage unless it is deployed already, and serves its API. */
export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const stage = options.stage ?? "dev";
  const workdir = options.workdir ?? join(WORK_ROOT, "dev");
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const sourceRoot = options.sourceRoot ?? projectRoot;
  const log = options.log ?? console.log;
  stageNamed(stage);

  // The synth runs in its own process while this one loads the rest of the tools and
  // finds or starts the cloud: on a warm start, the synth is most of the wait.
  const synthesis = synthesizeStage({ stage, workdir, projectRoot }).then((synthesized) => {
    // Before anything is deployed: every runtime the stage's functions use has its Node here.
    assertLambdaNodes(synthesized.stack.manifest);
    return synthesized;
  });
  synthesis.catch(() => undefined);
  const [{ startLocalApi }, { HandlerReloader }, { InfraReloader }, { LambdaClient, UpdateFunctionCodeCommand }] = await Promise.all([
    import("../local-api"),
    import("./handler-reloader"),
    import("./infra-reloader"),
    import("@aws-sdk/client-lambda"),
  ]);
  const runningCloud = options.runningCloud === true ? CLOUD_FILE : (options.runningCloud ?? false);
  const { cloud, attached, forget, died } = await openSessionCloud(runningCloud, log, options.cloudPort, options.stateFolder);
  const deployer = new StageDeployer({ stage, workdir, projectRoot, cloud, forget, log, onRedeploy: options.onRedeploy });
  let api: LocalApi | undefined;
  try {
    const apiOptions = (apiId: string): LocalApiOptions => ({ cloud, apiId, region: LOCAL_REGION, onLog: (line) => log(line), throttling: options.throttling, port: options.apiPort });
    // What was last deployed to this very cloud is most likely still what the synth will say: serve it meanwhile.
    const recordedApiId = deployer.recordedOutputs?.[OUTPUT_NAMES.apiId];
    const early = recordedApiId === undefined ? undefined : startLocalApi(apiOptions(recordedApiId)).catch(() => undefined);
    const applied = await deployer.deployFirst(await synthesis, async () => (await early) !== undefined);
    const { manifest, outputs } = deployer.current;

    step("serving the API");
    api = await early;
    if (api && applied && outputs[manifest.outputs.apiId] === recordedApiId) await api.reload();
    else if (!api || applied) {
      await api?.stop();
      api = await startLocalApi(apiOptions(outputs[manifest.outputs.apiId]));
    }
    const served = api;
    const lambda = new LambdaClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const reloader = new HandlerReloader({
      functions: manifest.functions,
      root: sourceRoot,
      push: async (name, zip) => {
        await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
        forget([name]);
      },
      log,
      onReload: options.onReload,
    });
    if (!applied) await deployer.restoreCode(() => reloader.reloadAll());
    // After a redeploy: the API's routes and the functions the handler reloader keeps follow the new deployment.
    const follow = async ({ manifest: deployed }: Deployment) => {
      await served.reload();
      await reloader.setFunctions(deployed.functions);
    };
    const infra = options.infraReload === false ? undefined : new InfraReloader({ root: projectRoot, redeploy: () => deployer.redeploy(follow), log });

    return {
      cloud,
      attached,
      died,
      deployed: applied,
      api: served,
      get manifest() {
        return deployer.current.manifest;
      },
      get outputs() {
        return { ...deployer.current.outputs, [LOCAL_OUTPUT_NAMES.api]: served.url };
      },
      reloadHandlers: () => reloader.reloadAll(),
      stop: async () => {
        await infra?.stop();
        await reloader.stop();
        lambda.destroy();
        await deployer.stop();
        await served.stop();
        await cloud.stop();
      },
    };
  } catch (error) {
    await api?.stop();
    await deployer.stop();
    await cloud.stop();
    throw error;
  }
}
