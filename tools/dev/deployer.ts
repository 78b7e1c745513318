import { join } from "node:path";
import type { StageManifest } from "../../app/contract";
import { step } from "../cli/terminal";
import type { CloudView } from "../local-cloud";
import { KeptProvider } from "../terraform/kept-provider";
import type { Outputs } from "../terraform/local-deploy";
import { stageStack, SynthesizedStack, synthesizeAsync } from "../terraform/synthesize";
import { DeploymentRecord, isCurrent, readDeploymentRecord, stackHash, writeDeploymentRecord } from "./deployment-record";

/**
 * The dev session's deployer (SST's `mosaic/deployer`): synthesizes the stage in a process of its own, applies it to
 * the local cloud with the real Terraform through one AWS provider kept for the session (kept-provider.ts), and
 * records each deploy (deployment-record.ts), so that a start whose stack is already deployed to that very cloud
 * applies nothing. While dev runs, it redeploys after an edit of the infrastructure: synthesizes again and applies
 * the difference; a change that fails to synthesize or apply is reported in one line and the last good deployment
 * keeps serving.
 */

/** Where a dev session's stage comes from and where its deploys are kept. */
export interface StageTarget {
  readonly stage: string;
  /** Where Terraform's working copy, the synthesized stack and the deployment record go. */
  readonly workdir: string;
  /** The project that is synthesized. */
  readonly projectRoot: string;
}

/** The stage's stack as synthesized, and its {@link stackHash}. */
export interface SynthesizedStage {
  readonly stack: SynthesizedStack & { readonly manifest: StageManifest };
  readonly hash: string;
}

/** The stage as it is deployed to the cloud. */
export interface Deployment {
  /** {@link stackHash} of the synthesized stack that was applied. */
  readonly hash: string;
  /** What the app published about the stage. */
  readonly manifest: StageManifest;
  /** The stack's outputs as AWS prints them. */
  readonly outputs: Outputs;
}

/** Options of {@link StageDeployer}. */
export interface StageDeployerOptions extends StageTarget {
  readonly cloud: CloudView;
  /** Drops what the cloud's view caches of functions, after an apply changed them (`RemoteCloud.forget`). */
  readonly forget: () => void;
  /** Receives the lines of redeploys. */
  readonly log: (line: string) => void;
  /** Called after each redeploy with its ms and how many resources changed. @default none */
  readonly onRedeploy?: (ms: number, changed: number) => void;
}

/** Synthesizes the stage of `target`'s project into its working directory, in a process of its own. */
export async function synthesizeStage(target: StageTarget): Promise<SynthesizedStage> {
  const stacks = await synthesizeAsync(join(target.workdir, "out"), { stages: [target.stage], projectRoot: target.projectRoot });
  const stack = stageStack(stacks, target.stage);
  return { stack, hash: stackHash(stack.dir) };
}

/** Deploys a dev session's stage to its cloud, first and after each infrastructure edit; see the file's summary. */
export class StageDeployer {
  private readonly provider = new KeptProvider();
  /** The deploy recorded in the working directory: the last one of an earlier session until this one deploys. */
  private record: DeploymentRecord | undefined;
  private deployment: Deployment | undefined;
  /** The last failure printed, so that saves that fail the same way again do not repeat it. */
  private lastFailure: string | undefined;

  constructor(private readonly options: StageDeployerOptions) {
    this.record = readDeploymentRecord(options.workdir);
  }

  /** The outputs of the last deploy to this very cloud instance, whatever the stack then: most likely what the synth will say. */
  get recordedOutputs(): Outputs | undefined {
    return this.record?.instanceId === this.options.cloud.instanceId ? this.record.outputs : undefined;
  }

  /** The stage as deployed; throws before {@link deployFirst}. */
  get current(): Deployment {
    if (this.deployment === undefined) throw new Error("the stage is not deployed yet");
    return this.deployment;
  }

  /**
   * The session's first deploy: applies nothing when the record says `synthesized` is deployed to this very cloud
   * instance and `recordServes()` confirms it (the recorded API is served), else applies it and records it.
   * Resolves with whether Terraform applied.
   */
  async deployFirst(synthesized: SynthesizedStage, recordServes: () => Promise<boolean>): Promise<boolean> {
    const { stack, hash } = synthesized;
    const record = this.record;
    if (isCurrent(record, stack.name, hash, this.options.cloud.instanceId) && (await recordServes())) {
      step(`${stack.name} is deployed to this local cloud as synthesized: nothing to apply`);
      this.deployment = { hash, manifest: stack.manifest, outputs: record.outputs };
      return false;
    }
    step(`deploying ${stack.name} to the local cloud`);
    await this.apply(synthesized);
    return true;
  }

  /**
   * After a start that applied nothing: the cloud may hold code another session pushed since (its handler reloader),
   * which the stack's hash cannot see and Terraform would not undo. When it does, `pushAll` pushes this project's
   * code again (rejecting with the handlers that do not build, as `HandlerReloader.reloadAll`), and the record
   * takes the code the cloud then holds.
   */
  async restoreCode(pushAll: () => Promise<unknown>): Promise<void> {
    const { cloud, log, workdir } = this.options;
    const { manifest } = this.current;
    const held = await codeShas(cloud, manifest);
    const drifted = Object.keys(held).filter((name) => held[name] !== this.record?.codeSha256?.[name]);
    if (drifted.length === 0) return;
    log(`the local cloud holds other code for ${drifted.join(", ")} than this project deployed (pushed by another session): pushing this project's`);
    await pushAll().catch((error: Error) => log(`not pushed, they do not build: ${error.message.replace(/\n/g, "; ")}`));
    this.record = { ...this.record!, codeSha256: await codeShas(cloud, manifest) };
    writeDeploymentRecord(workdir, this.record);
  }

  /**
   * Synthesizes the stage again and, when the stack changed, applies the difference and hands the new deployment to
   * `follow` (which reloads what serves it: the API's routes, the functions the handler reloader keeps). On any
   * failure, one line (not repeated for the same failure), the last good deployment serves on, and it rejects.
   */
  async redeploy(follow: (deployment: Deployment) => Promise<void>): Promise<void> {
    const { log, onRedeploy } = this.options;
    const started = performance.now();
    try {
      const next = await synthesizeStage(this.options);
      if (next.hash === this.current.hash) return;
      const previousApiId = apiIdOf(this.current);
      const changed = await this.apply(next);
      if (apiIdOf(this.current) !== previousApiId) {
        log(`the redeploy replaced the API of ${next.stack.name} (new id ${apiIdOf(this.current)}): restart npm run dev to serve it`);
      }
      await follow(this.current);
      this.lastFailure = undefined;
      const ms = Math.round(performance.now() - started);
      log(`redeployed ${next.stack.name} in ${ms} ms (${changed} changed)`);
      onRedeploy?.(ms, changed);
    } catch (error) {
      const failure = `redeploy failed, the last good deployment keeps serving: ${oneLine((error as Error).message)}`;
      if (failure !== this.lastFailure) log(failure);
      this.lastFailure = failure;
      throw error;
    }
  }

  /** Stops the kept AWS provider. */
  stop(): Promise<void> {
    return this.provider.stop();
  }

  /** Applies `synthesized`, records it and makes it {@link current}; resolves with how many resources changed. */
  private async apply({ stack, hash }: SynthesizedStage): Promise<number> {
    const { cloud, forget, workdir } = this.options;
    const { outputs, changed } = await applyToCloud(stack, cloud, join(workdir, "terraform"), this.provider);
    forget();
    const record = { stack: stack.name, hash, instanceId: cloud.instanceId, outputs, codeSha256: await codeShas(cloud, stack.manifest) };
    writeDeploymentRecord(workdir, record);
    this.record = record;
    this.deployment = { hash, manifest: stack.manifest, outputs };
    return changed;
  }
}

/** The id of a deployment's API. */
function apiIdOf({ manifest, outputs }: Deployment): string {
  return outputs[manifest.outputs.apiId];
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
