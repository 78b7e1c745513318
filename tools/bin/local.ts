import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STAGES } from "../../config";
import { stackName } from "../../main";
import { deployStack, destroyStack } from "../terraform/local-deploy";
import { LOCAL_REGION } from "../local-cloud/local-account";
import { startLocalCloud } from "../local-cloud/front";
import { motoMissing } from "../local-cloud/moto";
import { synthesize } from "../terraform/synthesize";
import { cliConfigFile, PROJECT_ROOT, terraformMissing, WORK_ROOT } from "../terraform/terraform";

/**
 * The local cloud from the command line:
 *   npm run local:up               start moto and its front on loopback; stays in the foreground until Ctrl-C
 *   npm run local:deploy -- dev    deploy a stage to the running local cloud and print its outputs
 *   npm run local:destroy -- dev   destroy it again
 */

// The SDK clients here are dev tooling; their notice that Node 20 is past its end of life is not news to act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const LOCAL_ROOT = join(WORK_ROOT, "local");
/** Where `local:up` tells the other commands which endpoint it serves. */
const CLOUD_FILE = join(LOCAL_ROOT, "cloud.json");

async function up(): Promise<void> {
  const missing = motoMissing();
  if (missing) throw new Error(missing);
  mkdirSync(LOCAL_ROOT, { recursive: true });
  const cloud = await startLocalCloud({ logFile: join(LOCAL_ROOT, "moto.log") });
  writeFileSync(CLOUD_FILE, JSON.stringify({ endpoint: cloud.endpoint, pid: process.pid }));
  console.log(`Local cloud on ${cloud.endpoint} (moto at ${cloud.motoEndpoint}, region ${LOCAL_REGION}).`);
  console.log("Deploy a stage with: npm run local:deploy -- dev     Stop with Ctrl-C.");
  console.log(`AWS CLI: aws --endpoint-url ${cloud.endpoint} --region ${LOCAL_REGION} ... (any access key works)`);
  const stop = async () => {
    rmSync(CLOUD_FILE, { force: true });
    await cloud.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/** The endpoint of the running local cloud; throws with what to do when none runs. */
async function runningEndpoint(): Promise<string> {
  const noCloud = "no local cloud is running: start one with `npm run local:up` in another terminal";
  if (!existsSync(CLOUD_FILE)) throw new Error(noCloud);
  const { endpoint } = JSON.parse(readFileSync(CLOUD_FILE, "utf8")) as { endpoint: string };
  try {
    await fetch(`${endpoint}/moto-api/`);
  } catch {
    throw new Error(noCloud);
  }
  return endpoint;
}

/** The synthesized stack of a stage named on the command line. */
function stackOf(stage: string | undefined) {
  const known = STAGES.map((s) => s.name);
  const config = STAGES.find((s) => s.name === stage);
  if (!config) throw new Error(`${stage === undefined ? "no stage given" : `unknown stage "${stage}"`}: expected one of ${known.join(", ")}`);
  const missing = terraformMissing();
  if (missing) throw new Error(missing);
  cliConfigFile();
  return synthesize(join(PROJECT_ROOT, "cdktf.out")).find((s) => s.name === stackName(config))!;
}

async function deploy(stage: string | undefined): Promise<void> {
  const stack = stackOf(stage);
  const endpoint = await runningEndpoint();
  const started = Date.now();
  const outputs = await deployStack(stack, endpoint, join(LOCAL_ROOT, stack.name));
  console.log(`\n${stack.name} deployed to the local cloud ${endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s\n  Outputs:`);
  for (const [name, value] of Object.entries(outputs)) console.log(`    ${name}: ${value}`);
}

async function destroy(stage: string | undefined): Promise<void> {
  const stack = stackOf(stage);
  const endpoint = await runningEndpoint();
  await destroyStack(stack, endpoint, join(LOCAL_ROOT, stack.name));
  console.log(`${stack.name} destroyed in the local cloud ${endpoint}`);
}

const commands: Record<string, (stage?: string) => Promise<void>> = { up, deploy, destroy };

if (require.main === module) {
  const [command, stage] = process.argv.slice(2);
  const run = commands[command];
  (run ? run(stage) : Promise.reject(new Error(`unknown command "${command}": expected ${Object.keys(commands).join(", ")}`))).catch(
    (error: Error) => {
      console.error(`Error: ${error.message}`);
      process.exit(1);
    },
  );
}
