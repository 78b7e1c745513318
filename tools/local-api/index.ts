import type { LocalApi, LocalApiOptions } from "./api-server";

/**
 * The local API: a deployed HTTP API served on loopback as API Gateway would serve it, its handlers run by a local
 * Lambda runtime (lambda/). Its public API, and the only module of it that other folders import: the server loads when
 * it starts.
 */

export type { AccessLogSink } from "./access-log";
export type { LocalApi, LocalApiOptions } from "./api-server";
export { mayInvoke, requestArn } from "./invoke-authorization";
export type { InvokeOptions, InvokeResult, LogSink, RunnableCode, SessionCredentials } from "./lambda/invocation";
export { lambdaNodeBinary, lambdaNodeMissing, lambdaNodePackage, lambdaNodePrefix, nodeMajor, runtimeMajor } from "./lambda/node";
export { invoke, LambdaRunner } from "./lambda/pool";
export type { RunnerOptions } from "./lambda/pool";

/** Starts serving a deployed API of the local cloud on loopback; see {@link LocalApiOptions}. */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const server = await import("./api-server");
  return server.startLocalApi(options);
}
