/**
 * The program each local Lambda process runs, as the Node.js runtime's bootstrap would: it loads the handler on the
 * first invocation, then answers each invocation message from the runner over IPC, after writing the end marker to
 * stdout and stderr so the runner knows the invocation's output is complete.
 *
 * A real file, type-checked with the rest of the tools; the runner compiles it with esbuild (the bundler of the
 * handlers, already loaded) to CommonJS for the runtime's Node, since a child must not depend on tsx. It imports
 * only Node's own modules and nothing of this project, so it runs from any directory.
 *
 * Usage: `node lambda-bootstrap.js <task root> <module>.<export>`
 */
import path from "node:path";

/** What the runner sends for one invocation. */
interface InvocationMessage {
  readonly event: unknown;
  readonly requestId: string;
  readonly functionName: string;
  /** Epoch milliseconds when the invocation times out. */
  readonly deadline: number;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
}

/** The error shape of Lambda's Invoke Error. */
interface InvokeError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack?: string[];
}

/** A handler's answer, or its error. */
type Reply = { readonly json: string } | InvokeError;

type Handler = (event: unknown, context: object, callback: (error: unknown, value?: unknown) => void) => unknown;

/** The end of an invocation's output on a stream. */
const END = "\u0000END\u0000\n";

const [taskRoot, handlerString] = process.argv.slice(2);
const dot = handlerString.lastIndexOf(".");
const moduleName = handlerString.slice(0, dot);
const exportName = handlerString.slice(dot + 1);
let handler: Handler | undefined;
let initError: InvokeError | undefined;
let current: InvocationMessage | undefined;

function errorOf(error: unknown, fallbackType?: string): InvokeError {
  if (error instanceof Error) return { errorType: fallbackType || error.name || "Error", errorMessage: error.message, stack: String(error.stack || "").split("\n") };
  return { errorType: fallbackType || "Error", errorMessage: typeof error === "string" ? error : JSON.stringify(error) };
}

function load(): void {
  if (handler || initError) return;
  if (dot <= 0) {
    initError = { errorType: "Runtime.MalformedHandlerName", errorMessage: `Bad handler ${handlerString}` };
    return;
  }
  let loaded: Record<string, unknown> | undefined;
  try {
    loaded = require(path.resolve(taskRoot, moduleName)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const notFound = code === "MODULE_NOT_FOUND" && String((error as Error).message).includes(path.resolve(taskRoot, moduleName));
    initError = errorOf(error, notFound ? "Runtime.ImportModuleError" : error instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : undefined);
    return;
  }
  const exported = loaded?.[exportName];
  if (typeof exported !== "function") initError = { errorType: "Runtime.HandlerNotFound", errorMessage: `${handlerString} is undefined or not exported` };
  else handler = exported as Handler;
}

function answer(reply: Reply): void {
  if ("errorType" in reply) process.stderr.write(`ERROR\tInvoke Error \t${JSON.stringify(reply)}\n`);
  current = undefined;
  process.stdout.write(END);
  process.stderr.write(END, () => process.send!("errorType" in reply ? { errorType: reply.errorType, errorMessage: reply.errorMessage } : reply));
}

function fail(error: unknown, type?: string): void {
  if (current) answer(errorOf(error, type));
  else process.stderr.write(`${String((error as Error | undefined)?.stack || error)}\n`);
  // The runtime cannot be trusted after this; the parent starts a new process for the next invocation.
  setTimeout(() => process.exit(129), 50);
}
process.on("uncaughtException", (error) => fail(error));
process.on("unhandledRejection", (reason) => fail(reason, "Runtime.UnhandledPromiseRejection"));
// The parent has gone (or let this process go): nothing will be invoked any more.
process.on("disconnect", () => process.exit(0));

process.on("message", (message: InvocationMessage) => {
  current = message;
  load();
  if (initError) return answer(initError);
  const run = handler!;
  const context = {
    awsRequestId: message.requestId,
    functionName: message.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: message.memoryLimitInMB,
    logGroupName: `/aws/lambda/${message.functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
  };
  new Promise((resolve, reject) => {
    const callback = (error: unknown, value?: unknown) => (error ? reject(error) : resolve(value));
    const returned = run(message.event, context, callback);
    if (returned && typeof (returned as Promise<unknown>).then === "function") (returned as Promise<unknown>).then(resolve, reject);
    else if (run.length < 3) resolve(returned);
  }).then(
    (value) => {
      let json: string;
      try {
        json = JSON.stringify(value === undefined ? null : value);
      } catch (error) {
        return answer(errorOf(error, "Runtime.MarshalError"));
      }
      answer({ json });
    },
    (error) => answer(errorOf(error)),
  );
});
