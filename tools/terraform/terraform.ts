import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { GuardedProcess } from "../cli/guarded-process";
import { handleShutdown, stopping, trackInFlight } from "../cli/lifecycle";
import { step } from "../cli/terminal";
import { WORK_ROOT } from "../shared/paths";

/** Where provider mirrors are commonly installed; `TF_PROVIDER_MIRROR` names another. */
const MIRROR_CANDIDATES = [
  "/opt/tf-plugins",
  "/usr/share/terraform/plugins",
  "/usr/local/share/terraform/plugins",
  join(homedir(), ".terraform.d", "plugins"),
  join(homedir(), ".local", "share", "terraform", "plugins"),
];

/** Why Terraform cannot run here, or `undefined` when it can. */
export function terraformMissing(): string | undefined {
  const result = spawnSync("terraform", ["version", "-json"], { encoding: "utf8", env: terraformEnv() });
  if (result.error || result.status !== 0) return "terraform is not on PATH (install Terraform >= 1.10)";
  return undefined;
}

/** Checks that Terraform runs here and writes the tools' CLI configuration; throws saying what to install when it cannot. */
export function prepareTerraform(): void {
  const missing = terraformMissing();
  if (missing) throw new Error(missing);
  cliConfigFile();
}

/** A filesystem mirror holding hashicorp/aws, if this machine has one. */
export function providerMirror(): string | undefined {
  const candidates = process.env.TF_PROVIDER_MIRROR ? [process.env.TF_PROVIDER_MIRROR] : MIRROR_CANDIDATES;
  return candidates.find((dir) => existsSync(join(dir, "registry.terraform.io", "hashicorp", "aws")));
}

/** Providers the mirror holds, as `registry.terraform.io/hashicorp/<name>`. */
export function mirroredProviders(mirror = providerMirror()): string[] {
  if (!mirror) return [];
  const dir = join(mirror, "registry.terraform.io", "hashicorp");
  return readdirSync(dir).map((name) => `registry.terraform.io/hashicorp/${name}`);
}

/**
 * Writes the Terraform CLI configuration the tools use and returns its path. Providers in the mirror come from
 * it, all others from the registry. The user's own CLI configuration and home directory are left alone.
 */
export function cliConfigFile(): string {
  const file = join(WORK_ROOT, "terraform.rc");
  const mirror = providerMirror();
  const providers = mirroredProviders(mirror);
  const list = providers.map((p) => JSON.stringify(p)).join(", ");
  const config = mirror
    ? `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = [${list}]\n  }\n  direct {\n    exclude = [${list}]\n  }\n}\n`
    : "# No provider mirror on this machine: providers come from the registry.\n";
  // Terraform commands of other tools and test files read this file while it is written: a current file is left as
  // it is, and a new one replaces it whole (a rewrite in place let a reader see it empty, and go to the registry).
  if (existsSync(file) && readFileSync(file, "utf8") === config) return file;
  mkdirSync(WORK_ROOT, { recursive: true });
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, config);
  renameSync(partial, file);
  return file;
}

/**
 * How much Terraform and the AWS provider (Go programs) let their heap grow between collections, unless the caller's
 * environment sets GOGC: 400 instead of Go's 100. Most of a command's CPU is the provider's schema, built and decoded
 * anew by every command; collecting a quarter as often cut a deploy's CPU by a tenth here (a plan's Terraform CPU by
 * a quarter) for 7% more peak memory (636 MB instead of 593 MB for the largest process).
 */
const TERRAFORM_GOGC = "400";

/** The environment Terraform runs in: our CLI config, no telemetry, no prompts, fewer garbage collections. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: join(WORK_ROOT, "terraform.rc"),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    GOGC: process.env.GOGC ?? TERRAFORM_GOGC,
    ...extra,
  };
}

/** Callbacks of a caller that follows a running Terraform command, and what to tell if it is left running. */
export interface TerraformWatch {
  /** Called with Terraform's pid once it runs. */
  readonly onStart?: (pid: number) => void;
  /** Called with everything Terraform has printed on stdout so far, each time it prints more. */
  readonly onStdout?: (stdout: string) => void;
  /**
   * What releases a state lock the command leaves when a second Ctrl-C abandons it, for the line said then.
   * @default "terraform force-unlock, once it has ended"
   */
  readonly lockRemedy?: string;
}

/** What a Terraform command printed, and how it ended. */
export interface TerraformResult {
  readonly code: number;
  /** The signal that killed Terraform (`SIGKILL`), when one did. */
  readonly signal?: NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
}

/** The subcommands that take the state lock. */
const LOCKING = new Set(["apply", "destroy", "plan", "refresh", "import", "taint", "untaint", "state"]);

/**
 * How long an interrupted Terraform gets to finish what it is doing, write its state and release its lock: before its
 * guard kills it (when the tool is gone), and the deadline of a command that waits for it (lifecycle.ts). A local
 * apply's longest step is a Lambda creation's 5 s wait.
 */
export const TERRAFORM_STOP_MS = 60_000;

/**
 * Runs a one-shot command that runs Terraform (`local:deploy`, `local:destroy`, `plan`) under the stops of
 * lifecycle.ts: Ctrl-C, SIGTERM or SIGHUP interrupt its Terraform once and wait, up to {@link TERRAFORM_STOP_MS}, for
 * it to release the state lock. Resolves with the command's exit code, or the signal's.
 */
export function runStoppable(work: () => Promise<number>): Promise<number> {
  return handleShutdown({ deadlineMs: TERRAFORM_STOP_MS }).run(work);
}

/** Terraform's line-per-resource progress of apply and destroy. */
const RESOURCE_PROGRESS = /^\S+: (Creating|Creation complete|Modifying|Modifications complete|Destroying|Destruction complete|Still \w+)/;

/** How often a long Terraform command reports that it still runs. */
const HEARTBEAT_MS = 5_000;

/**
 * The file in a working directory that holds the environment every Terraform command there needs (where the AWS
 * provider sends its calls, see provider-override.ts); `null` unsets a variable. Written by `prepareStack`.
 */
export const HARNESS_ENV_FILE = "harness_env.json";

/** The environment the harness recorded for `dir`, with unset variables as `undefined`; empty when it recorded none. */
export function harnessEnv(dir: string): NodeJS.ProcessEnv {
  const file = join(dir, HARNESS_ENV_FILE);
  if (!existsSync(file)) return {};
  const recorded = JSON.parse(readFileSync(file, "utf8")) as Record<string, string | null>;
  return Object.fromEntries(Object.entries(recorded).map(([name, value]) => [name, value ?? undefined]));
}

/**
 * Runs `terraform <args>` in `cwd` and collects its output, with the environment the harness recorded for `cwd`
 * ({@link HARNESS_ENV_FILE}) and then `env`. Never throws for a non-zero exit.
 *
 * Terraform runs under the tools' process guard (guarded-process.ts), in a process group of its own: its provider
 * plugins end with it however it ends (`kill -9` too), and when this process ends, however it ends, the guard
 * interrupts it (once: a second interrupt makes Terraform exit at once, leaving its lock), so it stops gracefully and
 * releases its state lock. While it runs it is work in flight (lifecycle.ts): Ctrl-C or SIGTERM to a command
 * interrupts it once and waits for it, saying so. A command that is stopping starts no Terraform.
 */
export function terraform(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, watch: TerraformWatch = {}): Promise<TerraformResult> {
  if (stopping()) return Promise.reject(new Error(`terraform ${args[0]} not started: this command is stopping`));
  if (!existsSync(join(WORK_ROOT, "terraform.rc"))) cliConfigFile();
  // -no-color goes after the (sub)command: `terraform state list -no-color`, `terraform plan -no-color ...`.
  const command = args[0] === "state" ? 2 : 1;
  const argv = [...args.slice(0, command), "-no-color", ...args.slice(command)];
  const helper = new GuardedProcess(undefined, "terraform", argv, { cwd, env: terraformEnv({ ...harnessEnv(cwd), ...env }), graceMs: TERRAFORM_STOP_MS });
  const name = `terraform ${args[0]}`;
  const pid = () => (helper.pid === undefined ? "" : ` (pid ${helper.pid})`);
  const lock = LOCKING.has(args[0]);
  trackInFlight({
    interrupt: () => helper.interrupt("SIGINT"),
    ended: helper.ended,
    get waiting() {
      return `waiting for ${name}${pid()} to ${lock ? "release the state lock" : "stop"}…`;
    },
    get abandoned() {
      const remedy = watch.lockRemedy ?? "terraform force-unlock, once it has ended";
      const limit = `its guard kills it after ${TERRAFORM_STOP_MS / 1000} s`;
      return `left ${name}${pid()} to stop on its own (${limit})${lock ? `: if it leaves its state lock, ${remedy} releases it` : ""}`;
    },
  });
  void helper.started.then((started) => started !== undefined && watch.onStart?.(started));
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    helper.guard.stdout!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      watch.onStdout?.(stdout);
      // Terraform's own progress (a line per resource, and "Still creating..." every 10 s) as progress lines.
      for (const line of text.split("\n")) if (RESOURCE_PROGRESS.test(line)) step(`  ${line.trim()}`);
    });
    helper.guard.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // A command that prints nothing for a while (init, plan) still reports that it runs.
    const begun = Date.now();
    const heartbeat = setInterval(() => step(`  ${name} still running (${Math.round((Date.now() - begun) / 1000)}s)`), HEARTBEAT_MS);
    // 'close': the guard has exited and its pipes, which carried Terraform's output, are drained.
    helper.guard.once("close", () => {
      clearInterval(heartbeat);
      if (helper.spawnError !== undefined) return reject(new Error(`could not start terraform: ${helper.spawnError}`));
      const exit = helper.exit;
      // No exit from the guard: the guard itself was killed, and with it our view of Terraform.
      if (!exit) return resolve({ code: 1, stdout, stderr: stderr || `${name}'s guard ended: ${helper.status}` });
      resolve({ code: exit.code ?? 1, ...(exit.signal ? { signal: exit.signal } : {}), stdout, stderr });
    });
  });
}

/**
 * What went wrong in a failed Terraform command, on one line: the summary of each of its `Error:` blocks, else the
 * last line it printed on stderr. Never the plan it printed on stdout, which can run to hundreds of lines.
 */
export function terraformError(result: TerraformResult): string {
  const lines = result.stderr.split("\n").map((line) => line.replace(/^[│╷╵]\s*/, "").trim());
  const errors = lines.flatMap((line, index) => {
    if (!line.startsWith("Error: ")) return [];
    // The block's `with aws_lambda_function.x,` line names the resource, a few lines further.
    const resource = lines.slice(index + 1, index + 4).map((next) => /^with (\S+),$/.exec(next)?.[1]).find(Boolean);
    return [`${line.slice("Error: ".length)}${resource ? ` (${resource})` : ""}`];
  });
  if (errors.length > 0) return errors.join("; ");
  return lines.filter(Boolean).pop() ?? `it printed no error (exit code ${result.code})`;
}

/**
 * Like {@link terraform}, but throws with Terraform's own message when the command fails. An `init` runs as
 * {@link terraformInit}.
 */
export async function terraformOrThrow(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<TerraformResult> {
  const result = args[0] === "init" ? await terraformInit(args.slice(1), cwd, env) : await terraform(args, cwd, env);
  if (result.code !== 0) {
    throw new Error(`terraform ${args[0]} failed in ${cwd}:\n${(result.stderr || result.stdout).trim()}`);
  }
  return result;
}

/**
 * `terraform init` with `args` in `cwd`; its result, whatever the exit. When the lock file a working directory kept
 * names other provider versions than the stack now pins (after a provider upgrade, 5.100.0 → 6.25.0), Terraform
 * refuses and asks for `-upgrade`: init runs again with it, as `cdktf diff` does, and locks the pinned versions.
 */
export async function terraformInit(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<TerraformResult> {
  const result = await terraform(["init", ...args], cwd, env);
  if (result.code === 0 || !/must use terraform init -upgrade/.test(result.stderr.replace(/\s+/g, " "))) return result;
  return terraform(["init", "-upgrade", ...args], cwd, env);
}
