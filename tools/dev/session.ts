import { join } from "node:path";
import { OUTPUT_NAMES, type StageManifest, stageNamed } from "../../app/contract";
import { step } from "../cli/terminal";
import type { LocalApi, LocalApiOptions } from "../local-api/api-server";
import { isCurrent, readDeploymentRecord, stackHash, writeDeploymentRecord } from "./deployment-record";
import type { Outputs } from "../terraform/local-deploy";
import { CLOUD_FILE, type CloudView, LOCAL_CREDENTIALS, LOCAL_REGION, recordedCloudEndpoint } from "../local-cloud";
import { lambdaNodeMissing } from "../local-api/lambda/node";
import { LOCAL_OUTPUT_NAMES } from "./outputs-file";
import { KeptProvider } from "../terraform/kept-provider";
import { stageStack, SynthesizedStack, synthesizeAsync } from "../terraform/synthesize";
import { PROJECT_ROOT, WORK_ROOT } from "../shared/paths";

/**
 * The guide's `sst start`, offline (`npm run dev`): deploys a stage to the local cloud with the real Terraform, serves
 * its API on loopback with real IAM auth, and pushes each edit of a handler's sources to the emulator
 * (UpdateFunctionCode, only for the handlers the edit changes; see handler-reloader.ts) so the next request runs the
 * new code. Functions and their handler files come from the stage's manifest.
 *
 * When a local cloud is already running (`npm run local:up`, found by its record and a health check), dev attaches
 * to it instead of starting its own, and leaves it running when it stops. Each successful deploy is recorded
 * (deployment-record.ts): when the stage synthesizes to the same stack as was last deployed to this very cloud
 * instance, nothing is applied, and the same API, users and credentials serve on. While dev runs, saving the
 * infrastructure's sources (infra-reloader.ts) re-synthesizes and applies the diff, then reloads the API's routes
 * and the functions the handler reloader keeps; a change that fails to synthesize or apply is reported in one line
 * and the last good deployment keeps serving.
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
  /** Port of the local API (127.0.0.1). @default 0, a free port */
  readonly apiPort?: number;
}

/** Starts (or attaches to) the local cloud, deploys a stage unless it is deployed already, and serves its API. */
export async function startDev(options: DevOptions = {}): Promise<DevEnvironment> {
  const stage = options.stage ?? "dev";
  const workdir = options.workdir ?? join(WORK_ROOT, "dev");
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const sourceRoot = options.sourceRoot ?? projectRoot;
  const log = options.log ?? console.log;
  const outdir = join(workdir, "out");
  const terraformDir = join(workdir, "terraform");
  stageNamed(stage);
  const missing = lambdaNodeMissing();
  if (missing) throw new Error(missing);

  // The synth runs in its own process while this one loads the rest of the tools and
  // finds or starts the cloud: on a warm start, the synth is most of the wait.
  const synthesis = synthesizeAsync(outdir, { stages: [stage], projectRoot }).then((stacks) => stageStack(stacks, stage));
  synthesis.catch(() => undefined);
  const [{ startLocalApi }, { HandlerReloader }, { InfraReloader }, { LambdaClient, UpdateFunctionCodeCommand }] = await Promise.all([
    import("../local-api/api-server"),
    import("./handler-reloader"),
    import("./infra-reloader"),
    import("@aws-sdk/client-lambda"),
  ]);
  const runningCloud = options.runningCloud === true ? CLOUD_FILE : (options.runningCloud ?? false);
  const { cloud, attached, forget, died } = await openCloud(runningCloud, log, options.cloudPort);
  // One AWS provider for every apply of this session (kept-provider.ts).
  const provider = new KeptProvider();
  let api: LocalApi | undefined;
  try {
    const apiOptions = (apiId: string): LocalApiOptions => ({ cloud, apiId, region: LOCAL_REGION, onLog: (line) => log(line), throttling: options.throttling, port: options.apiPort });
    // What was last deployed to this very cloud is most likely still what the synth will say: serve it meanwhile.
    const record = readDeploymentRecord(workdir);
    const recordedApiId = record?.instanceId === cloud.instanceId ? record.outputs[OUTPUT_NAMES.apiId] : undefined;
    const early = recordedApiId === undefined ? undefined : startLocalApi(apiOptions(recordedApiId)).catch(() => undefined);

    const stack = await synthesis;
    const hash = stackHash(stack.dir);
    let deployment: { outputs: Outputs; changed: number } | undefined;
    if (isCurrent(record, stack.name, hash, cloud.instanceId) && (await early) !== undefined) {
      step(`${stack.name} is deployed to this local cloud as synthesized: nothing to apply`);
    } else {
      step(`deploying ${stack.name} to the local cloud`);
      deployment = await applyToCloud(stack, cloud, terraformDir, provider);
      forget();
      writeDeploymentRecord(workdir, { stack: stack.name, hash, instanceId: cloud.instanceId, outputs: deployment.outputs, codeSha256: await codeShas(cloud, stack.manifest) });
    }
    let outputs: Outputs = deployment?.outputs ?? record!.outputs;
    let { manifest } = stack;
    let deployedHash = hash;

    step("serving the API");
    api = await early;
    if (api && deployment && outputs[manifest.outputs.apiId] === recordedApiId) await api.reload();
    else if (!api || deployment) {
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
    if (!deployment) {
      // Unchanged stack, but the cloud may hold code another session pushed since (its handler reloader): the
      // stack's hash cannot see that, and Terraform would not undo it, so this project's code is pushed again.
      const held = await codeShas(cloud, manifest);
      const drifted = Object.keys(held).filter((name) => held[name] !== record!.codeSha256?.[name]);
      if (drifted.length > 0) {
        log(`the local cloud holds other code for ${drifted.join(", ")} than this project deployed (pushed by another session): pushing this project's`);
        await reloader.reloadAll().catch((error: Error) => log(`not pushed, they do not build: ${error.message.replace(/\n/g, "; ")}`));
        writeDeploymentRecord(workdir, { ...record!, codeSha256: await codeShas(cloud, manifest) });
      }
    }

    /** The last failure printed, so that saves that fail the same way again do not repeat it. */
    let lastFailure: string | undefined;
    /** Synthesizes again and applies the difference; on any failure, one line, and the last good deployment serves on. */
    const redeploy = async () => {
      const started = performance.now();
      try {
        const next = stageStack(await synthesizeAsync(outdir, { stages: [stage], projectRoot }), stage);
        const nextHash = stackHash(next.dir);
        if (nextHash === deployedHash) return;
        const applied = await applyToCloud(next, cloud, terraformDir, provider);
        forget();
        writeDeploymentRecord(workdir, { stack: next.name, hash: nextHash, instanceId: cloud.instanceId, outputs: applied.outputs, codeSha256: await codeShas(cloud, next.manifest) });
        if (applied.outputs[next.manifest.outputs.apiId] !== outputs[manifest.outputs.apiId]) {
          log(`the redeploy replaced the API of ${next.name} (new id ${applied.outputs[next.manifest.outputs.apiId]}): restart npm run dev to serve it`);
        }
        ({ outputs, manifest } = { outputs: applied.outputs, manifest: next.manifest });
        deployedHash = nextHash;
        await served.reload();
        await reloader.setFunctions(manifest.functions);
        lastFailure = undefined;
        const ms = Math.round(performance.now() - started);
        log(`redeployed ${next.name} in ${ms} ms (${applied.changed} changed)`);
        options.onRedeploy?.(ms, applied.changed);
      } catch (error) {
        const failure = `redeploy failed, the last good deployment keeps serving: ${oneLine((error as Error).message)}`;
        if (failure !== lastFailure) log(failure);
        lastFailure = failure;
        throw error;
      }
    };
    const infra = options.infraReload === false ? undefined : new InfraReloader({ root: projectRoot, redeploy, log });

    return {
      cloud,
      attached,
      died,
      deployed: deployment !== undefined,
      api: served,
      get manifest() {
        return manifest;
      },
      get outputs() {
        return { ...outputs, [LOCAL_OUTPUT_NAMES.api]: served.url };
      },
      reloadHandlers: () => reloader.reloadAll(),
      stop: async () => {
        await infra?.stop();
        await reloader.stop();
        lambda.destroy();
        await provider.stop();
        await served.stop();
        await cloud.stop();
      },
    };
  } catch (error) {
    await api?.stop();
    await provider.stop();
    await cloud.stop();
    throw error;
  }
}

/** The cloud dev serves from, and how to drop what it caches of functions this process has just changed. */
interface OpenedCloud {
  readonly cloud: CloudView;
  readonly attached: boolean;
  /** `RemoteCloud.forget`; nothing to do for a cloud in this process. */
  readonly forget: (names?: readonly string[]) => void;
  /** One line once the cloud is gone: `RemoteCloud.lost` when attached, else `LocalCloud.died`. */
  readonly died: Promise<string>;
}

/**
 * The running local cloud `record` names, when one answers there; otherwise a cloud of this process's own. A
 * remote cloud's `stop()` only disconnects.
 */
async function openCloud(record: string | false, log: (line: string) => void, port: number | undefined): Promise<OpenedCloud> {
  if (record !== false) {
    // connectRemoteCloud's first call is the health check: no probe of its own before it.
    const endpoint = recordedCloudEndpoint(record);
    if (endpoint !== undefined) {
      try {
        const { connectRemoteCloud } = await import("../local-cloud");
        const cloud = await connectRemoteCloud(endpoint);
        step(`attached to the local cloud running at ${endpoint}`);
        const died = cloud.lost.then((why) => `${why}; restart it with npm run local:up, then npm run dev`);
        return { cloud, attached: true, forget: (names) => cloud.forget(names), died };
      } catch (error) {
        // A record whose cloud is gone (its process killed): start one of our own instead.
        step(`${(error as Error).message}; starting a local cloud of this session's own`);
      }
    }
  }
  const { startLocalCloud } = await import("../local-cloud");
  step("starting the local cloud");
  const cloud = await startLocalCloud({ logFile: join(WORK_ROOT, "dev-moto.log"), onNote: log, port });
  return { cloud, attached: false, forget: () => undefined, died: cloud.died.then((why) => `the local cloud stopped: ${why}; start again with npm run dev`) };
}

/** The `CodeSha256` the cloud holds for each function of the stage. */
async function codeShas(cloud: CloudView, manifest: StageManifest): Promise<Record<string, string>> {
  const codes = await Promise.all(manifest.functions.map(async ({ name }) => [name, (await cloud.lambdaCode.code(name))?.codeSha256 ?? "absent"] as const));
  return Object.fromEntries(codes);
}

/** Applies a synthesized stack to the cloud (Terraform computes the diff against the state in the cloud's S3). */
async function applyToCloud(stack: SynthesizedStack, cloud: CloudView, terraformDir: string, provider: KeptProvider): Promise<{ outputs: Outputs; changed: number }> {
  const [{ apply, outputs: stackOutputs, prepareLocalStack }, { cliConfigFile, terraformMissing }] = await Promise.all([
    import("../terraform/local-deploy"),
    import("../terraform/terraform"),
  ]);
  const missing = terraformMissing();
  if (missing) throw new Error(missing);
  cliConfigFile();
  const dir = await prepareLocalStack(stack, cloud.endpoint, terraformDir);
  const result = await apply(dir, {}, await provider.envFor(dir));
  if (result.code !== 0) throw new Error(`terraform apply of ${stack.name} failed:\n${(result.stderr || result.stdout).trim()}`);
  return { outputs: await stackOutputs(dir), changed: changedResources(result.stdout) };
}

/** Resources added, changed and destroyed, from `Apply complete! Resources: 1 added, 0 changed, 0 destroyed.` */
function changedResources(applyOutput: string): number {
  const match = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(applyOutput);
  return match ? Number(match[1]) + Number(match[2]) + Number(match[3]) : 0;
}

/**
 * The line of a multi-line error that says what is wrong, after what failed: a compiler's `file:line:col: ERROR`,
 * or Terraform's `Error:`; else the whole message on one line.
 */
function oneLine(message: string): string {
  const lines = message.split("\n").map((line) => line.trim()).filter(Boolean);
  const located = lines.find((line) => /:\d+:\d+: ERROR: /.test(line)) ?? lines.find((line) => /^(│\s*)?Error: /.test(line));
  if (!located) return lines.join(" ").slice(0, 300);
  if (located === lines[0]) return located;
  const what = lines[0].split(": ")[0].replace(/:$/, "");
  return `${what}: ${located.replace(/^│\s*/, "")}`;
}
