import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuardedProcess } from "../cli/guarded-process";
import { step } from "../cli/terminal";
import { isAlive } from "../cli/lifecycle";
import { harnessEnv } from "./terraform";

/**
 * The AWS provider of a working directory, started once and kept running for every apply of a dev session in it.
 * Terraform attaches to it through `TF_REATTACH_PROVIDERS`, its documented way to use a provider it did not start
 * (provider debugging and terraform-plugin-testing use it), instead of starting the 700 MB provider binary for each
 * walk of each command: schema, validate, plan and apply, about 0.9 s each here. It is the binary `terraform init`
 * installed, run with the directory's recorded environment (the local cloud's endpoint), under the tools' process
 * guard, so it ends with the tool however the tool ends. It serves one Terraform command at a time: the dev loop
 * never overlaps its applies.
 */

/** How long the provider may take to print where it listens. */
const START_TIMEOUT_MS = 20_000;

/** The provider's address, as Terraform's reattach setting names it. */
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";

/** A started provider, and what it was started from (a new binary or environment needs a new provider). */
interface Running {
  readonly key: string;
  readonly helper: GuardedProcess;
  readonly reattach: string;
}

/** The kept provider of a dev session; see the file's summary. */
export class KeptProvider {
  private running: Promise<Running> | undefined;

  /**
   * The environment that makes Terraform in the initialized directory `dir` attach to the kept provider, started on
   * first use, and again for another directory, when the installed binary or the directory's environment changed, or
   * when the provider ended.
   * Empty, with a line saying so, when it cannot be started: Terraform then starts its own, as usual.
   */
  async envFor(dir: string): Promise<Record<string, string>> {
    const binary = installedProvider(dir);
    if (binary === undefined) return {};
    const env = harnessEnv(dir);
    const key = JSON.stringify([dir, binary, env]);
    const current = await this.running?.catch(() => undefined);
    if (!current || current.key !== key || !running(current.helper)) {
      await current?.helper.stop();
      this.running = start(dir, binary, env, key);
    }
    try {
      return { TF_REATTACH_PROVIDERS: (await this.running!).reattach };
    } catch (error) {
      this.running = undefined;
      step(`the AWS provider could not be kept running (${(error as Error).message}); Terraform starts its own`);
      return {};
    }
  }

  /** Stops the provider, if one runs. */
  async stop(): Promise<void> {
    const current = await this.running?.catch(() => undefined);
    this.running = undefined;
    await current?.helper.stop();
  }
}

/** Whether the helper still runs: its guard has not reported an exit, and the process is there. */
function running(helper: GuardedProcess): boolean {
  return helper.status === undefined && helper.pid !== undefined && isAlive(helper.pid);
}

/** The AWS provider binary `terraform init` installed in `dir`, if any. */
function installedProvider(dir: string): string | undefined {
  const versions = join(dir, ".terraform", "providers", AWS_PROVIDER);
  if (!existsSync(versions)) return undefined;
  for (const version of readdirSync(versions)) {
    const platform = join(versions, version, "linux_amd64");
    const binary = existsSync(platform) ? readdirSync(platform).find((file) => file.startsWith("terraform-provider-aws")) : undefined;
    if (binary) return join(platform, binary);
  }
  return undefined;
}

/**
 * Starts `binary -debug` under the guard, in `dir` as Terraform would (the stack's relative paths, such as its zips,
 * are relative to it), and resolves once it has printed its reattach setting.
 */
async function start(dir: string, binary: string, env: NodeJS.ProcessEnv, key: string): Promise<Running> {
  // Its socket goes in a directory of its own (0700), which the guard removes after it.
  const directory = mkdtempSync(join(tmpdir(), "kept-provider-"));
  // AWS_CA_BUNDLE: the provider in -debug mode refuses to load one ("unable to add custom RootCAs HTTPClient"), and
  // the local cloud it serves is plain HTTP on loopback.
  const helper = new GuardedProcess(directory, binary, ["-debug"], { cwd: dir, env: { ...process.env, ...env, AWS_CA_BUNDLE: undefined, TMPDIR: directory } });
  try {
    const reattach = await new Promise<string>((resolve, reject) => {
      // What it printed until the setting; its later output (logs) is read and dropped.
      let output: string | undefined = "";
      const timer = setTimeout(() => reject(new Error(`it printed no reattach setting within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      helper.guard.stdout!.on("data", (chunk: Buffer) => {
        if (output === undefined) return;
        output += chunk.toString();
        const setting = /TF_REATTACH_PROVIDERS='(\{.*\})'/.exec(output)?.[1];
        if (setting) {
          output = undefined;
          clearTimeout(timer);
          resolve(setting);
        }
      });
      helper.guard.stderr!.resume();
      void helper.exited.then((status) => {
        clearTimeout(timer);
        reject(new Error(`it exited (${status})`));
      });
    });
    return { key, helper, reattach };
  } catch (error) {
    await helper.stop();
    throw error;
  }
}
