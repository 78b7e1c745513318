import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { standInForArchives } from "./archive-stand-in";
import { HARNESS_ENV_FILE, mirroredProviders, terraform } from "./terraform";

/** What Terraform keeps in a working directory between runs: providers, lock file and local state. */
const KEPT = new Set([".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"]);

/** A synthesized stack, copied where Terraform can run on it. */
export interface StackWorkdir {
  /** The working directory. */
  readonly dir: string;
  /** Names of the archive_file data sources the stand-in replaced; empty when the archive provider installs. */
  readonly archivesStoodIn: readonly string[];
}

/**
 * Copies the synthesized stack at `stackDir` into `workdir`, keeping what Terraform left there before, and writes
 * `override` (if given) as a Terraform override file and `env` (if given) as the environment {@link terraform} runs
 * every command there with. When the archive provider cannot be installed here, the copy's archive_file data sources
 * are replaced by zips built the same way (see archive-stand-in.ts).
 */
export async function prepareStack(stackDir: string, workdir: string, override?: object, env?: Readonly<Record<string, string | undefined>>): Promise<StackWorkdir> {
  mkdirSync(workdir, { recursive: true });
  for (const entry of readdirSync(workdir)) {
    if (!KEPT.has(entry)) rmSync(join(workdir, entry), { recursive: true, force: true });
  }
  for (const entry of readdirSync(stackDir)) cpSync(join(stackDir, entry), join(workdir, entry), { recursive: true });
  if (override) writeFileSync(join(workdir, "harness_override.tf.json"), JSON.stringify(override, null, 2));
  // JSON keeps `undefined` out: an unset variable is written as null.
  if (env) writeFileSync(join(workdir, HARNESS_ENV_FILE), JSON.stringify(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? null])), null, 2));
  const version = archiveProviderVersion(workdir);
  const archivesStoodIn = version && !(await archiveProviderInstalls(version)) ? standInForArchives(workdir) : [];
  return { dir: workdir, archivesStoodIn };
}

/** The archive provider version the stack requires, or `undefined` when it uses none. */
function archiveProviderVersion(dir: string): string | undefined {
  const json = join(dir, "cdk.tf.json");
  if (existsSync(json)) {
    const config = JSON.parse(readFileSync(json, "utf8"));
    return config.terraform?.required_providers?.archive?.version;
  }
  const hcl = readFileSync(join(dir, "cdk.tf"), "utf8");
  return /^\s*archive = \{\n(?:[^}]*\n)?version = "([^"]+)"/m.exec(hcl)?.[1];
}

const installs = new Map<string, Promise<boolean>>();

/** Whether `terraform init` can install hashicorp/archive at `version` here: from the mirror, or the registry. */
function archiveProviderInstalls(version: string): Promise<boolean> {
  if (mirroredProviders().includes("registry.terraform.io/hashicorp/archive")) return Promise.resolve(true);
  let probe = installs.get(version);
  if (!probe) {
    probe = (async () => {
      const dir = mkdtempSync(join(tmpdir(), "archive-provider-probe-"));
      try {
        const config = { terraform: { required_providers: { archive: { source: "hashicorp/archive", version } } } };
        writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config));
        return (await terraform(["init", "-backend=false", "-input=false"], dir)).code === 0;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    installs.set(version, probe);
  }
  return probe;
}
