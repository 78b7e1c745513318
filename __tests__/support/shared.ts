import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStageManifest, StageManifest } from "../../app/contract/stage-manifest";
import { GuardedProcess } from "../../tools/cli/guarded-process";
import { isAlive } from "../../tools/cli/lifecycle";
import { LOCAL_OUTPUT_NAMES, readOutputsFile } from "../../tools/dev/outputs-file";
import { PROJECT_ROOT } from "../../tools/shared/paths";
import { isolatedEnv, testRunFolder } from "./test-run";

/**
 * What the e2e files of one run share instead of each starting its own: one local cloud (`npm run local:up`) and one
 * `npm run dev` of the dev stage attached to it, for the files that only call them (sign-ups and sign-ins of users of
 * their own, reads, requests). A file that changes a stage (edits handlers, redeploys, destroys, kills processes) has
 * a cloud or a stage of its own.
 *
 * Each shared process is started by the first test file that asks for it and awaited by the others. It runs under the
 * tools' process guard (guarded-process.ts), so it ends with the jest worker that started it, however that ends; the
 * e2e teardown waits for that and removes the run's folder.
 */

/** Where, in the run's folder, each shared process's guard records its pid (for the teardown). */
export const SHARED_PIDS = "shared-pids";

/** The commands are run as npm runs them: tsx on the command file. */
const TSX = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

/** How long a shared process may take to be ready: a deploy of a stage, on a machine busy with the other tests. */
const READY_WITHIN_MS = 240_000;

/** Guards this process started; kept referenced for as long as the process lives. */
const started: GuardedProcess[] = [];

/**
 * The shared process `name`: started here with `args` (a command file and its arguments) unless another test file
 * started it first, then awaited until `ready` finds what it wrote. Rejects with the end of its output if it exits
 * first or is not ready in time. It runs in a folder of its own (test-run.ts's isolatedEnv), with `env` over that.
 */
async function shared<T>(name: string, args: readonly string[], ready: (dir: string) => T | undefined, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const dir = join(testRunFolder(), "shared", name);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "output.log");
  const pidFile = join(testRunFolder(), SHARED_PIDS, name);
  if (claim(join(dir, "claim"))) {
    const output = openSync(log, "a");
    const helper = new GuardedProcess(join(dir, "guard"), TSX, args, { cwd: PROJECT_ROOT, env: isolatedEnv(dir, env), output });
    closeSync(output);
    // The guard's channel must not keep this worker alive: the worker's end is what stops the shared process.
    helper.guard.unref();
    (helper.guard.channel as { unref?: () => void } | undefined)?.unref?.();
    started.push(helper);
    mkdirSync(join(testRunFolder(), SHARED_PIDS), { recursive: true });
    writeFileSync(pidFile, String(helper.guard.pid));
  }
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const value = ready(dir);
    if (value !== undefined) return value;
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined;
    const ended = pid !== undefined && !isAlive(pid);
    if (ended || Date.now() > deadline) {
      const output = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").slice(-30).join("\n") : "(no output)";
      throw new Error(`the shared ${name} ${ended ? "ended" : `was not ready within ${READY_WITHIN_MS / 1000} s`} (${dir}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether this process made `file` (and so starts what it stands for); `false` when another had made it. */
function claim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/** The shared local cloud. */
export interface SharedCloud {
  /** Its front: point AWS clients and Terraform here. */
  readonly endpoint: string;
  /** The record `npm run local:up` wrote, for `startDev({ runningCloud })`. */
  readonly record: string;
}

/** The local cloud of this run (`npm run local:up` on a free port, with its state bucket), started on first use. */
export function sharedCloud(): Promise<SharedCloud> {
  return shared("cloud", ["tools/bin/local-up.ts"], (dir) => {
    const record = join(dir, "work", "local", "cloud.json");
    const endpoint = readJson<{ endpoint: string }>(record)?.endpoint;
    return endpoint === undefined ? undefined : { endpoint, record };
  });
}

/** The shared `npm run dev` of the dev stage. */
export interface SharedDev {
  /** The stack's outputs as AWS prints them, plus `LocalApiEndpoint` and `LocalCloudEndpoint`. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The file `--outputs-file` wrote them to. */
  readonly outputsFile: string;
  /** The local API: `http://127.0.0.1:<port>`. */
  readonly apiUrl: string;
  /** The shared local cloud it is attached to. */
  readonly cloudEndpoint: string;
  /** What the app published of the stage (functions, routes, output names). */
  readonly manifest: StageManifest;
  /** The folder of the synthesized stack dev deployed. */
  readonly stackDir: string;
  /** Terraform's working copy of it, as applied (archives built, functions' code through S3). */
  readonly terraformDir: string;
  /** Every line dev has printed so far (its handlers' log lines among them). */
  logLines(): string[];
}

/** `npm run dev -- --outputs-file <file>` of the dev stage, attached to {@link sharedCloud}, started on first use. */
export async function sharedDev(): Promise<SharedDev> {
  await sharedCloud();
  // dev runs with the cloud's work folder, where it finds the cloud's record and attaches.
  const cloudDir = join(testRunFolder(), "shared", "cloud");
  const outputsFile = join(testRunFolder(), "shared", "dev", "outputs.json");
  const env = { API_AUTH_COGNITO_WORK_DIR: join(cloudDir, "work") };
  return shared("dev", ["tools/bin/dev.ts", "--outputs-file", outputsFile], (dir) => {
    // Ready once it says it serves: everything it prints before that (the outputs, the block to paste) is written.
    const log = join(dir, "output.log");
    if (!existsSync(outputsFile) || !/^Serving the API on /m.test(readFileSync(log, "utf8"))) return undefined;
    const outputs = readOutputsFile(outputsFile, "api-auth-cognito-dev");
    const stackDir = join(cloudDir, "work", "dev", "out", "stacks", "api-auth-cognito-dev");
    return {
      outputs,
      outputsFile,
      apiUrl: outputs[LOCAL_OUTPUT_NAMES.api],
      cloudEndpoint: outputs[LOCAL_OUTPUT_NAMES.cloud],
      manifest: readStageManifest(stackDir)!,
      stackDir,
      terraformDir: join(cloudDir, "work", "dev", "terraform"),
      logLines: () => readFileSync(log, "utf8").split("\n"),
    };
  }, env);
}

/** The JSON in `file`, or `undefined` while it is not there (or not whole). */
function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
