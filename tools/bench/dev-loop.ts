import { rmSync } from "node:fs";
import { join } from "node:path";
import { type DevOptions, startDev } from "../dev";
import { recordRunningCloud, startLocalCloud } from "../local-cloud";
import { addOpenRoute, copyProject } from "./project-copy";

/**
 * The dev loop's figures beyond the cold start, for `npm run bench:dev`: a restart (a session with a cloud of its own
 * and a state folder, stopped and started again with the stage unchanged: `startDev` to the first 200, as `npm run
 * dev` restarts), a warm start (a local cloud left running,
 * the stage unchanged since the last deploy: `startDev` to the first 200 of `GET /public`) and an infrastructure
 * reload (a route and handler added to the stage stack (app/stacks/stage-stack.ts): the save to the first 200 of the new route). On a copy of the
 * project, with a cloud in this process recorded as `npm run local:up` records one.
 */

/** What {@link measureDevLoop} measured, in ms. */
export interface DevLoopFigures {
  /** A session with a cloud of its own from an empty state folder: `startDev` to the first 200 (it deploys). */
  readonly firstStartMs: number;
  /** The same session again after it stopped, from the state it kept: `startDev` to the first 200. */
  readonly restart: { readonly totalMs: number; readonly deployed: boolean };
  /** The first start, which deploys to the fresh cloud (not the cold start of `npm run dev`: the cloud was up). */
  readonly firstDeployMs: number;
  /** `startDev` of the warm start, and from its return to the first 200 of `GET /public`. */
  readonly warm: { readonly totalMs: number; readonly startDevMs: number; readonly firstRequestMs: number; readonly deployed: boolean };
  /** From the save of the stage stack to the first 200 of the new route; the redeploy's own ms and resources changed. */
  readonly infraReload: { readonly totalMs: number; readonly redeployMs?: number; readonly changed?: number };
}

/** Polls `url` until it answers 200; rejects after `ms`. */
async function until200(url: string, ms: number): Promise<void> {
  for (const started = performance.now(); ; ) {
    const status = await fetch(url).then((response) => response.status, () => 0);
    if (status === 200) return;
    if (performance.now() - started > ms) throw new Error(`GET ${url} answered ${status}, not 200, within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `startDev` with `options` to the first 200 of `GET /public`, in ms; stops the session. */
async function startToFirst200(options: DevOptions): Promise<{ ms: number; deployed: boolean }> {
  const started = performance.now();
  const dev = await startDev(options);
  try {
    await until200(`${dev.api.url}/public`, 10_000);
    return { ms: performance.now() - started, deployed: dev.deployed };
  } finally {
    await dev.stop();
  }
}

/** Measures a restart, a warm start and an infrastructure reload; stops everything it started. */
export async function measureDevLoop(): Promise<DevLoopFigures> {
  const project = copyProject("bench-dev-loop-");
  const own = { workdir: join(project, ".tfwork", "dev-own"), projectRoot: project, stateFolder: join(project, ".tfwork", "state"), log: () => undefined, throttling: false, infraReload: false };
  const firstStart = await startToFirst200(own).catch((error: unknown) => {
    rmSync(project, { recursive: true, force: true });
    throw error;
  });
  const restart = await startToFirst200(own);
  const cloud = await startLocalCloud();
  const record = join(project, "cloud.json");
  recordRunningCloud(cloud.endpoint, { pid: cloud.motoPid, socketPath: cloud.motoSocketPath }, record);
  const options = { workdir: join(project, ".tfwork", "dev"), projectRoot: project, runningCloud: record, log: () => undefined, throttling: false };
  try {
    const d0 = performance.now();
    const first = await startDev({ ...options, infraReload: false });
    await until200(`${first.api.url}/public`, 10_000);
    const firstDeployMs = performance.now() - d0;
    await first.stop();

    let redeploy: { ms: number; changed: number } | undefined;
    const t0 = performance.now();
    const dev = await startDev({ ...options, onRedeploy: (ms, changed) => (redeploy = { ms, changed }) });
    const t1 = performance.now();
    try {
      await until200(`${dev.api.url}/public`, 10_000);
      const t2 = performance.now();
      const saved = performance.now();
      addOpenRoute(project, "benchroute", "bench");
      await until200(`${dev.api.url}/benchroute`, 120_000);
      const reloaded = performance.now();
      return {
        firstStartMs: firstStart.ms,
        restart: { totalMs: restart.ms, deployed: restart.deployed },
        firstDeployMs,
        warm: { totalMs: t2 - t0, startDevMs: t1 - t0, firstRequestMs: t2 - t1, deployed: dev.deployed },
        infraReload: { totalMs: reloaded - saved, redeployMs: redeploy?.ms, changed: redeploy?.changed },
      };
    } finally {
      await dev.stop();
    }
  } finally {
    await cloud.stop();
    rmSync(project, { recursive: true, force: true });
  }
}
