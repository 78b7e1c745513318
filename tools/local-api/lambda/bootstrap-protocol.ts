/**
 * What a worker (worker.ts) and the program its process runs (bootstrap.ts) say to each other: an invocation message
 * over IPC, and on stdout and stderr the marker that ends an invocation's output.
 *
 * Imports nothing: bootstrap.ts bundles it.
 */

/** What the worker sends for one invocation. */
export interface InvocationMessage {
  readonly event: unknown;
  readonly requestId: string;
  readonly functionName: string;
  /** Epoch milliseconds when the invocation times out. */
  readonly deadline: number;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
}

/**
 * The end of an invocation's output on a stream: the bootstrap writes it, then a newline, to stdout and to stderr
 * after the handler's answer. It may share a line with the handler's last one, when that lacks its newline.
 */
export const END_OF_OUTPUT = "\u0000END\u0000";
