import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * What `npm run dev` last deployed, and where: the content hash of the synthesized stack (its Terraform, manifest
 * and bundled assets), the instance of the local cloud it went to, and the outputs the apply printed. A later start
 * whose synth hashes the same, against the same cloud instance, has nothing to deploy and reads the outputs from
 * here instead of running Terraform. A restarted cloud is another instance, with nothing deployed.
 */

/** One successful deploy of a stack to one local cloud instance. */
export interface DeploymentRecord {
  readonly stack: string;
  /** {@link stackHash} of the synthesized stack directory that was applied. */
  readonly hash: string;
  /** `CloudView.instanceId` of the cloud it was applied to. */
  readonly instanceId: string;
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * The `CodeSha256` the cloud held for each function right after the deploy: code pushed since by another session
   * (or tool) is told by a different one, since the stack's hash cannot see it.
   */
  readonly codeSha256: Readonly<Record<string, string>>;
}

/** The record's file inside a dev working directory. */
export function deploymentRecordFile(workdir: string): string {
  return join(workdir, "deployed.json");
}

/** SHA-256 over every file of a synthesized stack directory, by relative path and content, in a fixed order. */
export function stackHash(stackDir: string): string {
  const hash = createHash("sha256");
  const files = readdirSync(stackDir, { recursive: true, encoding: "utf8" })
    .filter((file) => statSync(join(stackDir, file)).isFile())
    .sort();
  for (const file of files) {
    const content = readFileSync(join(stackDir, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

/** The last deploy recorded in `workdir`, or `undefined` when there is none (or it cannot be read). */
export function readDeploymentRecord(workdir: string): DeploymentRecord | undefined {
  try {
    return JSON.parse(readFileSync(deploymentRecordFile(workdir), "utf8")) as DeploymentRecord;
  } catch {
    return undefined;
  }
}

/** Records a successful deploy in `workdir`, replacing the previous record. */
export function writeDeploymentRecord(workdir: string, record: DeploymentRecord): void {
  const file = deploymentRecordFile(workdir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Whether `record` is a deploy of exactly this synthesized stack to this cloud instance. */
export function isCurrent(record: DeploymentRecord | undefined, stack: string, hash: string, instanceId: string): record is DeploymentRecord {
  return record !== undefined && record.stack === stack && record.hash === hash && record.instanceId === instanceId;
}
