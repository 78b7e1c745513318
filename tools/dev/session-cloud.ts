import { join } from "node:path";
import { step } from "../cli/terminal";
import { type CloudView, connectRemoteCloud, recordedCloudEndpoint, startLocalCloud } from "../local-cloud";
import { WORK_ROOT } from "../shared/paths";

/**
 * The local cloud a dev session serves from: the running one a record names (`npm run local:up`), attached to through
 * its control API when it answers, else one of the session's own.
 */

/** The cloud a dev session serves from, and how to drop what it caches of functions the session has just changed. */
export interface SessionCloud {
  readonly cloud: CloudView;
  /** Whether it is a running cloud the session attached to (whose `stop()` only disconnects). */
  readonly attached: boolean;
  /** `RemoteCloud.forget`; nothing to do for a cloud in this process. */
  readonly forget: (names?: readonly string[]) => void;
  /** One line once the cloud is gone: `RemoteCloud.lost` when attached, else `LocalCloud.died`. */
  readonly died: Promise<string>;
}

/**
 * The running local cloud `record` names, when one answers there; otherwise a cloud of this process's own, on `port`,
 * from the state kept in `stateFolder` if given (moto's notes go to `log`). A remote cloud's `stop()` only disconnects.
 */
export async function openSessionCloud(record: string | false, log: (line: string) => void, port: number | undefined, stateFolder?: string): Promise<SessionCloud> {
  if (record !== false) {
    // connectRemoteCloud's first call is the health check: no probe of its own before it.
    const endpoint = recordedCloudEndpoint(record);
    if (endpoint !== undefined) {
      try {
        const cloud = await connectRemoteCloud(endpoint);
        step(`attached to the local cloud running at ${endpoint}`);
        const died = cloud.lost.then((why) => `${why}; restart it with npm run local:up, then npm run dev`);
        return { cloud, attached: true, forget: (names) => cloud.forget(names), died };
      } catch (error) {
        // A record whose cloud is gone (its process killed): start one of our own instead.
        step(`${(error as Error).message}; starting a local cloud of this session's own`);
      }
    }
  }
  step("starting the local cloud");
  const cloud = await startLocalCloud({ logFile: join(WORK_ROOT, "dev-moto.log"), onNote: log, port, stateFolder });
  return { cloud, attached: false, forget: () => undefined, died: cloud.died.then((why) => `the local cloud stopped: ${why}; start again with npm run dev`) };
}
