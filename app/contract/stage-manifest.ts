import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NodejsRuntime } from "../../constructs/runtime";

/**
 * What the app publishes about each stage it synthesizes, for the tools: written at synth beside the stack as
 * `cdktf.out/stacks/<stack>/stage-manifest.json`. Tools read this (and the stack outputs it names) instead of
 * rebuilding names, stacks or handler paths from conventions.
 */

/** The file name of a stage's manifest inside its stack directory. */
export const STAGE_MANIFEST_FILE = "stage-manifest.json";

/** The names of a stage stack's outputs, as `cdktf output` and `terraform output` print them. */
export const OUTPUT_NAMES = {
  apiEndpoint: "ApiEndpoint",
  apiId: "ApiId",
  userPoolId: "UserPoolId",
  identityPoolId: "IdentityPoolId",
  userPoolClientId: "UserPoolClientId",
  region: "Region",
} as const;

/** A function of the stage. */
export interface ManifestFunction {
  /** Physical name, as deployed. */
  readonly name: string;
  /** Its handler file, relative to the project root: `lambdas/private.ts`. */
  readonly entry: string;
  /** The bundled code's directory, relative to the stack directory (what `archive_file` zips). */
  readonly bundle: string;
  /** Its Lambda runtime, `nodejs22.x`: the Node the local Lambda runs it on, and the target of its bundle. */
  readonly runtime: NodejsRuntime;
}

/** A route of the stage's API. */
export interface ManifestRoute {
  readonly authorizationType: string;
  /** Physical name of the function the route invokes. */
  readonly function: string;
}

/** Everything the tools need to know about one synthesized stage. */
export interface StageManifest {
  readonly app: string;
  readonly stage: string;
  /** The stack name: the folder under `cdktf.out/stacks/` and the argument of `cdktf deploy`. */
  readonly stack: string;
  /** The region the stage deploys to. */
  readonly region: string;
  readonly outputs: typeof OUTPUT_NAMES;
  readonly functions: readonly ManifestFunction[];
  /** The HTTP API: its physical name and routes by route key. */
  readonly api: { readonly name: string; readonly routes: Readonly<Record<string, ManifestRoute>> };
  /** For a stage in another account (a deploy role): the roles its provider may assume there. @default none: the caller's credentials */
  readonly roles?: ManifestRoles;
}

/** The roles a stage's provider may assume in its own account, and the Terraform variable that picks one. */
export interface ManifestRoles {
  /** The stack's Terraform variable holding the role the provider assumes (`-var <variable>=<arn>`); its default is {@link deploy}. */
  readonly variable: string;
  /** The deploy role: what deploys and the smoke test use. */
  readonly deploy: string;
  /** The read-only role remote plans and drift checks use (`npm run plan -- <stage> --remote`); none without CI roles. */
  readonly plan?: string;
}

/** The manifest of the stage synthesized into `stackDir`, or `undefined` for a stack that is not a stage. */
export function readStageManifest(stackDir: string): StageManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(stackDir, STAGE_MANIFEST_FILE), "utf8")) as StageManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
