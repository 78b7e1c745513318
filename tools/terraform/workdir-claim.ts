import { claim } from "../shared/claim";

/**
 * One deploy at a time per working directory. Two deploys of a stage from two working copies are kept apart by the
 * state lock; two in the same directory would first delete and rewrite each other's files there (prepareStack) and
 * run `terraform init` at once, before the state lock could say anything. So a deploy claims the directory with a
 * file beside it naming its pid; a claim whose process is gone (the tool was killed) is taken over.
 */

/** Claims `workdir` for this process; returns the release. Throws one line when a live process has it. */
export function claimWorkdir(workdir: string, what: string): () => void {
  return claim(`${workdir}.claim`, (holder) =>
    holder === process.pid
      ? `a deploy of ${what} is already running in this process (in ${workdir})`
      : `another deploy of ${what} is running (pid ${holder}, in ${workdir}): wait for it to finish, then run this command again`,
  );
}
