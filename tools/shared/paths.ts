import { join, resolve } from "node:path";

/** The project root: this file is tools/shared/paths.ts. */
export const PROJECT_ROOT = join(__dirname, "..", "..");

/**
 * Scratch space of the tools (gitignored): CLI config, working copies of stacks, plans, the running local cloud's
 * record. `.tfwork` in the project, or the folder `API_AUTH_COGNITO_WORK_DIR` names (each test gives each command it
 * runs a folder of its own, so that none sees another's cloud or working copies, nor a developer's).
 */
export const WORK_ROOT = process.env.API_AUTH_COGNITO_WORK_DIR ? resolve(process.env.API_AUTH_COGNITO_WORK_DIR) : join(PROJECT_ROOT, ".tfwork");
