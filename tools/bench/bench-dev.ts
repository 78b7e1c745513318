import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { SignatureV4 } from "@smithy/signature-v4";
import { DevEnvironment, startDev } from "../dev";
import { DevLoopFigures, measureDevLoop } from "./dev-loop";
import { useSdkHandler } from "./use-sdk-handler";
import { LOCAL_CREDENTIALS, LOCAL_REGION, verifySignedRequest } from "../local-cloud";
import { mayInvoke, requestArn } from "../local-api";
import { PROJECT_ROOT } from "../shared/paths";
import { Sha256 } from "../shared/sha256";

/**
 * `npm run bench:dev`: how fast `npm run dev` is ready, and how fast the local API answers once it is. In one run:
 * the wall time from a cold `startDev` (nothing running) to the first 200 of `GET /public`; a user signed up, confirmed and signed in through
 * the emulator's Cognito; then autocannon against `/public` and a SigV4-signed `/private` (one signature, replayed:
 * it stays valid for 5 minutes); then ten edits of a copy of `lambdas/public.ts`, each timed from the file write to
 * the first request the new code answers; then `/private` again with a handler that puts and gets an S3 object
 * (tools/bench/sdk-handler.ts); then, on a copy of the project with a local cloud left running, a warm start and an
 * infrastructure reload (tools/bench/dev-loop.ts). Prints a table, writes bench/dev-results.json, stops everything it started, and
 * exits 1 when a budget is broken. Not part of `npm test`: timings are not asserted in tests.
 */

/** The part of autocannon 9's programmatic API used here (the package ships no types). */
interface LatencyHistogram {
  readonly average: number;
  readonly max: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}
interface AutocannonResult {
  readonly latency: LatencyHistogram;
  readonly requests: { readonly average: number; readonly total: number };
  readonly duration: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type Autocannon = (options: {
  url: string;
  amount: number;
  connections: number;
  headers?: Record<string, string>;
  timeout?: number;
}) => AutocannonInstance;
const autocannon: Autocannon = require("autocannon");

const EMAIL = "admin@example.com";
const PASSWORD = "Passw0rd!";
const AMOUNT = 1000;
const WARMUP = 50;
/** Each autocannon run gives up after this long; a run is 1,000 requests of a few ms each. */
const RUN_TIMEOUT_S = 10;

/** Cold: nothing running, `startDev` to the first 200 of GET /public (issue 12's budget). */
const BUDGET_READY_S = 8;
/** Warm: a local cloud left running, the stage unchanged since its last deploy there. */
const BUDGET_WARM_S = 2;
/** Restart: nothing running, the stage unchanged since the last session, which kept the cloud's state. */
const BUDGET_RESTART_S = 2;
/** First start on a machine: nothing running and no state kept, so the stage is deployed. */
const BUDGET_FIRST_START_S = 12;
/** Infrastructure reload: a route and its handler added to the stage stack (app/stacks/stage-stack.ts), the save to the new route's first 200. */
const BUDGET_INFRA_RELOAD_S = 10;
const BUDGET_PUBLIC_P50_MS = 10;
const BUDGET_PRIVATE_P50_MS = 20;
const BUDGET_RELOAD_MS = 500;
/** A handler that stores and reads an S3 object per request: two SDK calls through the local cloud's checks. */
const BUDGET_PRIVATE_SDK_P50_MS = 50;
/** Edits of public.ts timed from the file write to the first request answered by the new code. */
const RELOADS = 10;

/** One autocannon run's figures. Percentiles come from every response's own time (sub-millisecond), not
 * autocannon's whole-millisecond histogram, which is kept alongside as `autocannon`. */
interface LoadFigure {
  readonly name: string;
  readonly path: string;
  readonly connections: number;
  readonly requests: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly rps: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly autocannon: { p50: number; p90: number; p99: number; max: number; average: number };
  readonly budget?: { readonly max: number; readonly ok: boolean };
}

/** One GET over a fresh connection: its status. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "GET", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** The q-quantile (nearest rank) of sorted numbers. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs autocannon and collects every response's time as well as its result; `seconds` runs from the start to the
 * last response (autocannon's own duration, and so its requests/s, counts in whole seconds of its sampling tick). */
async function load(url: string, amount: number, connections: number, headers?: Record<string, string>): Promise<{ result: AutocannonResult; times: number[]; seconds: number }> {
  const times: number[] = [];
  const started = process.hrtime.bigint();
  let last = started;
  const instance = autocannon({ url, amount, connections, headers, timeout: RUN_TIMEOUT_S });
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    times.push(responseTime);
    last = process.hrtime.bigint();
  });
  const result = await instance;
  return { result, times, seconds: Number(last - started) / 1e9 };
}

async function loadFigure(name: string, base: string, path: string, connections: number, headers?: Record<string, string>, budgetMs?: number): Promise<LoadFigure> {
  const url = `${base}${path}`;
  const warm = await load(url, WARMUP, connections, headers);
  if (warm.result.non2xx > 0 || warm.result.errors > 0) {
    throw new Error(`warm-up of ${path}: ${warm.result.non2xx} non-2xx, ${warm.result.errors} errors (${JSON.stringify(warm.result.statusCodeStats)})`);
  }
  const { result, times, seconds } = await load(url, AMOUNT, connections, headers);
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = quantile(sorted, 0.5);
  const bad = result.non2xx + result.errors + result.timeouts;
  return {
    name,
    path,
    connections,
    requests: times.length,
    p50,
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    rps: times.length / seconds,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    autocannon: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, average: result.latency.average },
    budget: budgetMs === undefined ? undefined : { max: budgetMs, ok: p50 <= budgetMs && bad === 0 && times.length === AMOUNT },
  };
}

/** Signs up, confirms and signs in the user, and trades the ID token for identity-pool credentials. */
async function signIn(dev: DevEnvironment): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const client = { endpoint: dev.cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const idp = new CognitoIdentityProviderClient(client);
  const identity = new CognitoIdentityClient(client);
  try {
    const { outputs } = dev.manifest;
    const [UserPoolId, UserPoolClientId, IdentityPoolId] = [outputs.userPoolId, outputs.userPoolClientId, outputs.identityPoolId].map((name) => dev.outputs[name]);
    await idp.send(new SignUpCommand({ ClientId: UserPoolClientId, Username: EMAIL, Password: PASSWORD }));
    await idp.send(new AdminConfirmSignUpCommand({ UserPoolId, Username: EMAIL }));
    const { AuthenticationResult } = await idp.send(
      new InitiateAuthCommand({ ClientId: UserPoolClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: EMAIL, PASSWORD } }),
    );
    const Logins = { [`cognito-idp.${LOCAL_REGION}.amazonaws.com/${UserPoolId}`]: AuthenticationResult!.IdToken! };
    const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId, Logins }));
    const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
    return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretKey!, sessionToken: Credentials!.SessionToken! };
  } finally {
    idp.destroy();
    identity.destroy();
  }
}

/** The headers of one SigV4-signed `GET /private`, as the AWS SDK would sign it for execute-api. */
async function signedHeaders(apiUrl: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<Record<string, string>> {
  const { hostname, port, host } = new URL(apiUrl);
  const signer = new SignatureV4({ service: "execute-api", region: LOCAL_REGION, credentials, sha256: Sha256 });
  const signed = await signer.sign({ method: "GET", protocol: "http:", hostname, port: Number(port), path: "/private", query: {}, headers: { host } });
  return signed.headers as Record<string, string>;
}

/** Mean milliseconds of `n` sequential calls of `fn`, after a few unmeasured ones. */
async function meanMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1e6 / n;
}

/** The median of numbers. */
function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** One GET's body, over a fresh connection. */
async function body(url: string): Promise<string> {
  return (await fetch(url)).text();
}

/**
 * Ms from writing an edit of `lambdas/public.ts` under `sourceRoot` to the first `GET /public` answered by the edited
 * code, for {@link RELOADS} edits in a row: what a developer waits between saving and seeing the change.
 */
async function reloadLatencies(dev: DevEnvironment, sourceRoot: string): Promise<number[]> {
  const file = join(sourceRoot, "lambdas", "public.ts");
  const original = readFileSync(file, "utf8");
  if (!original.includes('"Hello stranger!"')) throw new Error(`${file} no longer answers "Hello stranger!": update the reload benchmark`);
  const times: number[] = [];
  for (let edit = 1; edit <= RELOADS; edit++) {
    const marker = `Hello stranger ${edit}!`;
    const written = process.hrtime.bigint();
    writeFileSync(file, original.replace('"Hello stranger!"', JSON.stringify(marker)));
    while ((await body(`${dev.api.url}/public`)) !== marker) {
      if (Number(process.hrtime.bigint() - written) / 1e9 > 10) throw new Error(`GET /public did not answer "${marker}" within 10 s of the edit`);
      // Polled every 5 ms: often enough to see the change at once, rarely enough not to slow the rebuild down.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    times.push(Number(process.hrtime.bigint() - written) / 1e6);
  }
  return times;
}

/** Runs the dev benchmark (the 10-connection runs too, with `concurrency`), prints its table and writes bench/dev-results.json; resolves to 1 when a budget is broken. */
export async function benchDev(concurrency: boolean): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), "bench-dev-"));
  let dev: DevEnvironment | undefined;
  const figures: LoadFigure[] = [];
  let ready: { seconds: number; startDevSeconds: number; firstRequestMs: number; attempts: number };
  let signInMs: number;
  let reloads: number[] = [];
  let loop: DevLoopFigures;
  const breakdown: Record<string, number> = {};

  try {
    // 1. From startDev to the first 200 of GET /public.
    const t0 = process.hrtime.bigint();
    // The handlers are edited for the reload figure: a copy of them, never the project's own files.
    const sourceRoot = join(scratch, "src");
    cpSync(join(PROJECT_ROOT, "lambdas"), join(sourceRoot, "lambdas"), { recursive: true });
    // The stage allows 100 requests/s (burst 200); the runs below send more, to measure the server, not the limit.
    dev = await startDev({ workdir: join(scratch, "dev"), sourceRoot, log: () => {}, throttling: false });
    const t1 = process.hrtime.bigint();
    let attempts = 0;
    for (;;) {
      attempts++;
      const status = await get(`${dev.api.url}/public`).catch(() => 0);
      if (status === 200) break;
      if (Number(process.hrtime.bigint() - t0) / 1e9 > 60) throw new Error(`GET /public answered ${status}, not 200, 60 s after startDev`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const t2 = process.hrtime.bigint();
    ready = { seconds: Number(t2 - t0) / 1e9, startDevSeconds: Number(t1 - t0) / 1e9, firstRequestMs: Number(t2 - t1) / 1e6, attempts };
    console.log(`ready: first 200 of GET /public ${ready.seconds.toFixed(2)} s after startDev`);

    // 2. A signed-in user's identity-pool credentials, and one signed GET /private.
    const s0 = process.hrtime.bigint();
    const credentials = await signIn(dev);
    signInMs = Number(process.hrtime.bigint() - s0) / 1e6;
    const headers = await signedHeaders(dev.api.url, credentials);
    const check = await get(`${dev.api.url}/private`, headers);
    if (check !== 200) throw new Error(`the signed GET /private answered ${check}, not 200`);
    const unsigned = await get(`${dev.api.url}/private`);
    if (unsigned !== 403) throw new Error(`an unsigned GET /private answered ${unsigned}, not 403`);
    console.log(`signed in ${EMAIL} in ${signInMs.toFixed(0)} ms; the signed GET /private answers 200`);

    // 3. Load, each after a warm-up.
    figures.push(await loadFigure("GET /public", dev.api.url, "/public", 1, undefined, BUDGET_PUBLIC_P50_MS));
    figures.push(await loadFigure("GET /private (signed)", dev.api.url, "/private", 1, headers, BUDGET_PRIVATE_P50_MS));
    if (concurrency) {
      figures.push(await loadFigure("GET /public", dev.api.url, "/public", 10));
      figures.push(await loadFigure("GET /private (signed)", dev.api.url, "/private", 10, headers));
    }
    for (const f of figures) console.log(`measured: ${f.name}, ${f.connections} connection${f.connections === 1 ? "" : "s"}`);

    // 4. Save to served: edits of public.ts until the next request answers with the new code.
    reloads = await reloadLatencies(dev, sourceRoot);
    console.log(`measured: ${RELOADS} reloads of public.ts, median ${median(reloads).toFixed(0)} ms from write to the new answer`);

    // 5. A first real handler: GET /private swapped for one that puts and gets an S3 object with the role's credentials.
    await useSdkHandler(dev, sourceRoot);
    const sdkCheck = await get(`${dev.api.url}/private`, headers);
    if (sdkCheck !== 200) throw new Error(`the signed GET /private with the S3 handler answered ${sdkCheck}, not 200`);
    figures.push(await loadFigure("GET /private (signed), handler calls S3", dev.api.url, "/private", 1, headers, BUDGET_PRIVATE_SDK_P50_MS));
    console.log("measured: GET /private with the S3 handler, 1 connection");

    // Where /private's extra time goes: its two auth steps, called in this process as the server calls them.
    const { host } = new URL(dev.api.url);
    const received = { method: "GET", url: "/private", headers: { ...lower(headers), host }, body: Buffer.alloc(0) };
    const cloud = dev.cloud;
    const verdict = await verifySignedRequest(received, (key) => cloud.identities.credentials(key), { region: LOCAL_REGION });
    if (verdict.ok) {
      const roleArn = verdict.caller.roleArn;
      const accountId = roleArn.split(":")[4];
      const apiId = dev.outputs[dev.manifest.outputs.apiId];
      const routeArn = requestArn(LOCAL_REGION, accountId, apiId, "GET", "/private");
      breakdown.verifySignatureMs = await meanMs(200, () => verifySignedRequest(received, (key) => cloud.identities.credentials(key), { region: LOCAL_REGION }));
      breakdown.mayInvokeMs = await meanMs(200, () => mayInvoke({ endpoint: cloud.endpoint, roleArn, routeArn }));
    }
  } finally {
    const stopping = process.hrtime.bigint();
    if (dev) await dev.stop();
    if (dev) breakdown.stopMs = Number(process.hrtime.bigint() - stopping) / 1e6;
    rmSync(scratch, { recursive: true, force: true });
  }
  // 6. Warm start and infrastructure reload, against a local cloud left running (on a copy of the project).
  loop = await measureDevLoop();
  console.log(`measured: first start ${(loop.firstStartMs / 1000).toFixed(2)} s, restart ${(loop.restart.totalMs / 1000).toFixed(2)} s, warm start ${(loop.warm.totalMs / 1000).toFixed(2)} s, infrastructure reload ${(loop.infraReload.totalMs / 1000).toFixed(2)} s`);

  printTable(ready, signInMs, reloads, loop, figures, breakdown);
  const readyOk = ready.seconds <= BUDGET_READY_S;
  const reloadMs = median(reloads);
  const reloadOk = reloadMs <= BUDGET_RELOAD_MS;
  const warmOk = loop.warm.totalMs / 1000 <= BUDGET_WARM_S && !loop.warm.deployed;
  const firstStartOk = loop.firstStartMs / 1000 <= BUDGET_FIRST_START_S;
  const restartOk = loop.restart.totalMs / 1000 <= BUDGET_RESTART_S && !loop.restart.deployed;
  const infraOk = loop.infraReload.totalMs / 1000 <= BUDGET_INFRA_RELOAD_S;
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    ready: { ...ready, budget: { max: BUDGET_READY_S, ok: readyOk } },
    signInMs,
    firstStart: { totalMs: loop.firstStartMs, budget: { maxS: BUDGET_FIRST_START_S, ok: firstStartOk } },
    restart: { ...loop.restart, budget: { maxS: BUDGET_RESTART_S, ok: restartOk } },
    warm: { ...loop.warm, budget: { maxS: BUDGET_WARM_S, ok: warmOk } },
    infraReload: { ...loop.infraReload, budget: { maxS: BUDGET_INFRA_RELOAD_S, ok: infraOk } },
    firstDeployToRunningCloudMs: loop.firstDeployMs,
    reload: { edits: RELOADS, medianMs: reloadMs, maxMs: Math.max(...reloads), ms: reloads, budget: { max: BUDGET_RELOAD_MS, ok: reloadOk } },
    amount: AMOUNT,
    warmup: WARMUP,
    figures,
    privateBreakdownMs: breakdown,
  };
  mkdirSync(join(PROJECT_ROOT, "bench"), { recursive: true });
  writeFileSync(join(PROJECT_ROOT, "bench", "dev-results.json"), `${JSON.stringify(results, null, 2)}\n`);

  const broken: string[] = [];
  if (!readyOk) broken.push(`ready after startDev: ${ready.seconds.toFixed(2)} s > ${BUDGET_READY_S} s`);
  if (!firstStartOk) broken.push(`first start (no state kept): ${(loop.firstStartMs / 1000).toFixed(2)} s > ${BUDGET_FIRST_START_S} s`);
  if (!restartOk) broken.push(`restart from the kept state: ${(loop.restart.totalMs / 1000).toFixed(2)} s > ${BUDGET_RESTART_S} s${loop.restart.deployed ? ", and it redeployed" : ""}`);
  if (!warmOk) broken.push(`warm start: ${(loop.warm.totalMs / 1000).toFixed(2)} s > ${BUDGET_WARM_S} s${loop.warm.deployed ? ", and it redeployed" : ""}`);
  if (!infraOk) broken.push(`infrastructure reload: ${(loop.infraReload.totalMs / 1000).toFixed(2)} s > ${BUDGET_INFRA_RELOAD_S} s`);
  if (!reloadOk) broken.push(`reload, write to new answer: median ${reloadMs.toFixed(0)} ms > ${BUDGET_RELOAD_MS} ms`);
  for (const f of figures) {
    if (f.non2xx > 0 || f.errors > 0) broken.push(`${f.name} (${f.connections} conn.): ${f.non2xx} non-2xx, ${f.errors} errors`);
    if (f.budget && !f.budget.ok) broken.push(`${f.name} (${f.connections} conn.): p50 ${f.p50.toFixed(2)} ms > ${f.budget.max} ms or not all ${AMOUNT} requests answered`);
  }
  for (const line of broken) console.error(`budget broken: ${line}`);
  console.log(broken.length === 0 ? "all budgets met; results in bench/dev-results.json" : "results in bench/dev-results.json");
  return broken.length === 0 ? 0 : 1;
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function printTable(ready: { seconds: number; startDevSeconds: number; firstRequestMs: number }, signInMs: number, reloads: number[], loop: DevLoopFigures, figures: LoadFigure[], breakdown: Record<string, number>): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`\n| figure | value | budget |\n|---|---|---|`);
  console.log(`| cold: nothing running, startDev → first 200 of GET /public | ${ready.seconds.toFixed(2)} s (startDev ${ready.startDevSeconds.toFixed(2)} s + first request ${ms(ready.firstRequestMs)}) | ${ready.seconds <= BUDGET_READY_S ? "ok" : "BROKEN"} (≤ ${BUDGET_READY_S} s) |`);
  console.log(`| sign up, confirm, sign in, GetId, GetCredentialsForIdentity | ${ms(signInMs)} | |`);
  const firstS = loop.firstStartMs / 1000;
  const restartS = loop.restart.totalMs / 1000;
  console.log(`| first start: no state kept, startDev (own cloud, deploys) → first 200 | ${firstS.toFixed(2)} s | ${firstS <= BUDGET_FIRST_START_S ? "ok" : "BROKEN"} (≤ ${BUDGET_FIRST_START_S} s) |`);
  console.log(`| restart: nothing running, state kept, stage unchanged: startDev → first 200 | ${restartS.toFixed(2)} s (${loop.restart.deployed ? "REDEPLOYED" : "nothing applied"}) | ${restartS <= BUDGET_RESTART_S && !loop.restart.deployed ? "ok" : "BROKEN"} (≤ ${BUDGET_RESTART_S} s) |`);
  const warmS = loop.warm.totalMs / 1000;
  const infraS = loop.infraReload.totalMs / 1000;
  console.log(`| warm: local cloud running, stage unchanged: startDev → first 200 | ${warmS.toFixed(2)} s (startDev ${(loop.warm.startDevMs / 1000).toFixed(2)} s${loop.warm.deployed ? ", REDEPLOYED" : ", nothing applied"}) | ${warmS <= BUDGET_WARM_S && !loop.warm.deployed ? "ok" : "BROKEN"} (≤ ${BUDGET_WARM_S} s) |`);
  console.log(`| infrastructure reload: route + handler added to the stage stack (app/stacks/stage-stack.ts) → first 200 | ${infraS.toFixed(2)} s${loop.infraReload.redeployMs === undefined ? "" : ` (redeploy ${(loop.infraReload.redeployMs / 1000).toFixed(2)} s, ${loop.infraReload.changed} changed)`} | ${infraS <= BUDGET_INFRA_RELOAD_S ? "ok" : "BROKEN"} (≤ ${BUDGET_INFRA_RELOAD_S} s) |`);
  const reloadMs = median(reloads);
  console.log(`| save public.ts → first request served by the new code (median of ${reloads.length}, max ${ms(Math.max(...reloads))}) | ${ms(reloadMs)} | ${reloadMs <= BUDGET_RELOAD_MS ? "ok" : "BROKEN"} (≤ ${BUDGET_RELOAD_MS} ms) |`);
  console.log(`\n| ${AMOUNT} requests, keep-alive | conn. | p50 | p90 | p99 | max | req/s | non-2xx | budget |\n|---|---|---|---|---|---|---|---|---|`);
  for (const f of figures) {
    const budget = f.budget ? `${f.budget.ok ? "ok" : "BROKEN"} (p50 ≤ ${f.budget.max} ms)` : "";
    console.log(`| ${f.name} | ${f.connections} | ${ms(f.p50)} | ${ms(f.p90)} | ${ms(f.p99)} | ${ms(f.max)} | ${f.rps.toFixed(0)} | ${f.non2xx + f.errors} | ${budget} |`);
  }
  if (breakdown.verifySignatureMs !== undefined) {
    console.log(`\n/private's auth steps in-process (mean of 200): SigV4 verification ${breakdown.verifySignatureMs.toFixed(2)} ms, execute-api:Invoke policy check (iam-simulate) ${breakdown.mayInvokeMs.toFixed(2)} ms`);
  }
  console.log("");
}

