import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The Terraform processes of this host that may hold the lock of a given state. Terraform's S3-native lock names no
 * process (its `Who` is `user@host`), so a lock left by a Terraform that was killed looks like a live one. But only a
 * running Terraform whose backend is that state can hold it, and every Terraform keeps its backend settings in its
 * working directory (`.terraform/terraform.tfstate`, as `terraform init` wrote them): so `/proc` tells whether one still
 * runs, whoever started it (these tools, `cdktf deploy`, a user's `terraform apply`). A process that cannot be looked
 * into (another user's) counts as a possible holder: the answer errs towards "held", never towards releasing.
 */

/** A Terraform process that may hold a state's lock. */
export interface TerraformProcess {
  readonly pid: number;
  /** Its working directory; `undefined` when it cannot be read. */
  readonly dir?: string;
}

/** The backend settings that name a state: `terraform init` records them in the working directory. */
interface BackendRecord {
  readonly backend?: { readonly type?: string; readonly config?: { readonly bucket?: string; readonly key?: string } };
}

/**
 * The running Terraform processes of this host that may hold the lock of the S3 state `bucket`/`key`; `undefined`
 * where processes cannot be listed (no `/proc`: not Linux), when nothing can be told.
 */
export function terraformProcessesOf(bucket: string, key: string): TerraformProcess[] | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const candidates = names.map(Number).flatMap((pid): TerraformProcess[] => {
    if (!isLiveTerraform(pid)) return [];
    let dir: string;
    try {
      dir = readlinkSync(`/proc/${pid}/cwd`);
    } catch (error) {
      // Gone meanwhile (ENOENT), or not ours to look into (EACCES): only the latter may still hold it.
      return (error as NodeJS.ErrnoException).code === "ENOENT" ? [] : [{ pid }];
    }
    const backend = backendOf(pid, dir);
    if (backend === "unknown") return [{ pid, dir }];
    return backend?.bucket === bucket && backend.key === key ? [{ pid, dir }] : [];
  });
  // Looked at again: one that ended while it was looked into (its files gone half way) holds nothing now.
  return candidates.filter(({ pid }) => isLiveTerraform(pid));
}

/** Whether `pid` runs Terraform and has not ended (a zombie holds nothing). */
function isLiveTerraform(pid: number): boolean {
  try {
    if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "terraform") return false;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * The S3 state process `pid` (working in `dir`) uses: from the backend record in its data directory (`TF_DATA_DIR`,
 * or `.terraform`); `undefined` when it has no S3 backend (it holds no lock of an S3 state), `"unknown"` when that
 * cannot be told (its environment cannot be read, or its record is being written).
 */
function backendOf(pid: number, dir: string): { bucket?: string; key?: string } | undefined | "unknown" {
  let dataDir = ".terraform";
  try {
    const variable = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").find((entry) => entry.startsWith("TF_DATA_DIR="));
    if (variable) dataDir = variable.slice("TF_DATA_DIR=".length);
  } catch (error) {
    // Gone meanwhile (ENOENT, ESRCH): it holds nothing; not ours to read (EACCES): it may.
    return ["ENOENT", "ESRCH"].includes((error as NodeJS.ErrnoException).code ?? "") ? undefined : "unknown";
  }
  let text: string;
  try {
    text = readFileSync(resolve(dir, dataDir, "terraform.tfstate"), "utf8");
  } catch {
    // No backend recorded: a directory that was never initialized for a backend (validate, version).
    return undefined;
  }
  try {
    const record = JSON.parse(text) as BackendRecord;
    return record.backend?.type === "s3" ? (record.backend.config ?? {}) : undefined;
  } catch {
    return "unknown";
  }
}
