import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../shared/paths";

/**
 * A scratch copy of this project that `npm run dev` can synthesize, deploy and watch (`startDev({ projectRoot })`),
 * so that benchmarks and tests edit its stage stack and handlers, never the project's own files.
 */

/**
 * What a synth and a deploy read: the entry (every `.ts` file at the root), the app, its library, handlers and
 * settings, the local cloud's account its local target points at, and the runner cdktf.json names with what it runs
 * first (node_modules is linked).
 */
function projectFiles(): string[] {
  const rootModules = readdirSync(PROJECT_ROOT).filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
  return [
    ...rootModules,
    "app",
    "constructs",
    "lambdas",
    "cdktf.json",
    "tsconfig.json",
    "package.json",
    "tools/local-cloud/account.ts",
    "tools/terraform/run-app.cjs",
    "tools/terraform/own-dirname.cjs",
    "tools/terraform/bindings.cjs",
    "tools/cli/node-version.cjs",
  ];
}

/** The file that declares the stage's routes, relative to the project root. */
export const STAGE_STACK_FILE = join("app", "stacks", "stage-stack.ts");

/** The route of the stage stack the added ones go after. */
const ANCHOR_ROUTE = `"GET /public": { function: fn("public", "PublicFunction"), authorizationType: "NONE" },`;

/** Copies the project into a new temporary directory and returns it. */
export function copyProject(prefix = "project-copy-"): string {
  const project = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of projectFiles()) {
    mkdirSync(dirname(join(project, entry)), { recursive: true });
    cpSync(join(PROJECT_ROOT, entry), join(project, entry), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(project, "node_modules"));
  return project;
}

/**
 * Adds `GET /<handler>`, open to anyone, served by a new `lambdas/<handler>.ts` that answers `body`: writes the
 * handler first, then saves the stage stack with the route, as a developer would.
 */
export function addOpenRoute(project: string, handler: string, body: string): void {
  const source = `export async function handler() {\n  return { statusCode: 200, headers: { "content-type": "text/plain" }, body: ${JSON.stringify(body)} };\n}\n`;
  writeFileSync(join(project, "lambdas", `${handler}.ts`), source);
  const file = join(project, STAGE_STACK_FILE);
  const main = readFileSync(file, "utf8");
  if (!main.includes(ANCHOR_ROUTE)) throw new Error(`${STAGE_STACK_FILE} no longer has the route ${ANCHOR_ROUTE}: update tools/bench/project-copy.ts`);
  const id = `${handler[0].toUpperCase()}${handler.slice(1)}Function`;
  writeFileSync(file, main.replace(ANCHOR_ROUTE, `${ANCHOR_ROUTE}\n      "GET /${handler}": { function: fn(${JSON.stringify(handler)}, ${JSON.stringify(id)}), authorizationType: "NONE" },`));
}
