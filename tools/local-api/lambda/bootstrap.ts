/**
 * The program each local Lambda process runs, as the Node.js runtime's bootstrap would: it loads the handler on the
 * first invocation, then answers each invocation message from the runner over IPC, after writing the end marker to
 * stdout and stderr so the runner knows the invocation's output is complete.
 *
 * A real file, type-checked with the rest of the tools; the runner compiles it with esbuild (compile-bootstrap.ts) to
 * CommonJS for the runtime's Node, since a child must not depend on tsx. It imports only Node's own modules,
 * bootstrap-protocol.ts (which imports nothing) and sandbox-processes.ts (which imports only Node's own), both bundled
 * in, so it runs from any directory.
 *
 * As Lambda's runtime does, it makes the AWS SDK v3 resolvable without the bundle carrying it (bundles keep
 * `@aws-sdk/*` external), and with the JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`) it writes each console call as
 * one JSON object, filtered by `AWS_LAMBDA_LOG_LEVEL`.
 *
 * Usage: `node bootstrap.js <task root> <module>.<export> <node_modules with the AWS SDK>`
 */
import Module from "node:module";
import path from "node:path";
import { format } from "node:util";
import { END_OF_OUTPUT, type InvocationMessage } from "./bootstrap-protocol";
import { killSandbox, SANDBOX_ENV } from "./sandbox-processes";

/** The error shape of Lambda's Invoke Error. */
interface InvokeError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stack?: string[];
}

/** A handler's answer, or its error. */
type Reply = { readonly json: string } | InvokeError;

type Handler = (event: unknown, context: object, callback: (error: unknown, value?: unknown) => void) => unknown;

const [taskRoot, handlerString, sdkModules] = process.argv.slice(2);
const dot = handlerString.lastIndexOf(".");
const moduleName = handlerString.slice(0, dot);
const exportName = handlerString.slice(dot + 1);
let handler: Handler | undefined;
let initError: InvokeError | undefined;
let current: InvocationMessage | undefined;
// Read before the handler runs: it may change process.env, the context keeps what the runtime set.
const { AWS_LAMBDA_FUNCTION_VERSION: functionVersion, AWS_LAMBDA_LOG_GROUP_NAME: logGroupName, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName } = process.env;
const sandboxId = process.env[SANDBOX_ENV];

/** Lambda's limit on a synchronous invocation's response payload: 6 MB. */
const MAX_RESPONSE_BYTES = 6_291_556;

/** The package of an AWS SDK v3 module request: `@aws-sdk/client-s3` of `@aws-sdk/client-s3/dist-cjs/x`. */
const SDK_PACKAGE = /^@aws-sdk\/[^/]+/;

/** A missing SDK package: one line that says what to install, marked so that no stack is added to it. */
class MissingSdkPackage extends Error {
  readonly code = "MODULE_NOT_FOUND";
  constructor(request: string, sdkPackage: string) {
    super(`Cannot find module '${request}': the Lambda runtime provides the AWS SDK v3, but ${sdkModules} has no ${sdkPackage}; run \`npm install -D ${sdkPackage}\``);
  }
}

type ResolveFilename = (this: unknown, request: string, parent: unknown, isMain: boolean, options?: { paths?: string[] }) => string;

/**
 * Resolves `@aws-sdk/*` requests the task root cannot from `sdkModules`, as Lambda resolves them from the runtime's
 * own node_modules. Only those requests: every other package a handler needs must be in its bundle, as on Lambda.
 * What an SDK package requires in turn resolves from where it lies. CommonJS only, as the bundles are.
 */
function resolveSdkFromProject(): void {
  const internals = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (error) {
      const sdkPackage = SDK_PACKAGE.exec(request)?.[0];
      if (!sdkPackage || (error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
      try {
        return resolveFilename.call(this, request, parent, isMain, { paths: [sdkModules] });
      } catch {
        throw new MissingSdkPackage(request, sdkPackage);
      }
    }
  };
}

/** Lambda's log levels, least severe first. */
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;
type Level = (typeof LEVELS)[number];

const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON";
// An unknown or missing level lets everything through, as the runtime does.
const leastLevel = Math.max(0, LEVELS.indexOf(process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() as Level));

/** An error as the runtime's JSON logs show it. */
function errorFields(error: Error): { errorType: string; errorMessage: string; stackTrace: string[] } {
  return { errorType: error.constructor?.name ?? "UnknownError", errorMessage: error.message, stackTrace: typeof error.stack === "string" ? error.stack.split("\n") : [] };
}

/**
 * One console call as a JSON log line of Lambda's Node runtime: `timestamp`, `level`, `requestId` and `message`.
 * A single argument stays a value (an Error becomes `{errorType, errorMessage, stackTrace}`); several are formatted
 * to one string as console.log would, and the first Error among them adds its fields beside the message.
 */
function jsonLine(level: Level, args: unknown[]): string {
  const line: Record<string, unknown> = { timestamp: new Date().toISOString(), level, requestId: current?.requestId };
  if (args.length === 1) {
    try {
      return JSON.stringify({ ...line, message: args[0] }, (_key, value: unknown) => (value instanceof Error ? { ...errorFields(value), ...value } : value));
    } catch {
      return JSON.stringify({ ...line, message: format(args[0]) });
    }
  }
  const error = args.find((arg): arg is Error => arg instanceof Error);
  return JSON.stringify({ ...line, message: format(...args), ...(error && errorFields(error)) });
}

/** Writes a JSON log line when `level` passes the function's log level. */
function logJson(level: Level, args: unknown[]): void {
  if (LEVELS.indexOf(level) >= leastLevel) process.stdout.write(`${jsonLine(level, args)}\n`);
}

/** Makes each console method write JSON log lines, as the runtime does with the JSON log format. */
function patchConsoleForJson(): void {
  const methods = { trace: "TRACE", debug: "DEBUG", info: "INFO", log: "INFO", warn: "WARN", error: "ERROR", fatal: "FATAL" } as const;
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, level] of Object.entries(methods)) target[method] = (...args) => logJson(level, args);
}

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
    // Lambda reports any module that cannot be found while loading the handler as an ImportModuleError.
    const notFound = (error as NodeJS.ErrnoException | undefined)?.code === "MODULE_NOT_FOUND";
    initError = errorOf(error, notFound ? "Runtime.ImportModuleError" : error instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : undefined);
    // The resolver's own frames would only bury the one line that says what to run.
    if (error instanceof MissingSdkPackage) initError = { errorType: initError.errorType, errorMessage: initError.errorMessage };
    return;
  }
  const exported = loaded?.[exportName];
  if (typeof exported !== "function") initError = { errorType: "Runtime.HandlerNotFound", errorMessage: `${handlerString} is undefined or not exported` };
  else handler = exported as Handler;
}

function answer(reply: Reply): void {
  if ("errorType" in reply) {
    // The runtime logs it with console.error: JSON on stdout with the JSON format, a tab-separated line otherwise.
    if (jsonLogs) logJson("ERROR", [{ errorType: reply.errorType, errorMessage: reply.errorMessage, stackTrace: reply.stack ?? [] }]);
    else process.stderr.write(`ERROR\tInvoke Error \t${JSON.stringify(reply)}\n`);
  }
  current = undefined;
  const end = `${END_OF_OUTPUT}\n`;
  process.stdout.write(end);
  process.stderr.write(end, () => process.send!("errorType" in reply ? { errorType: reply.errorType, errorMessage: reply.errorMessage } : reply));
}

function fail(error: unknown, type?: string): void {
  if (current) answer(errorOf(error, type));
  else process.stderr.write(`${String((error as Error | undefined)?.stack || error)}\n`);
  // The runtime cannot be trusted after this; the parent starts a new process for the next invocation.
  setTimeout(() => process.exit(129), 50);
}
resolveSdkFromProject();
if (jsonLogs) patchConsoleForJson();
process.on("uncaughtException", (error) => fail(error));
process.on("unhandledRejection", (reason) => fail(reason, "Runtime.UnhandledPromiseRejection"));
// The parent has gone (or let this process go): nothing will be invoked any more. What the handler started goes
// too, as when the runner ends a sandbox: a runner killed with SIGKILL leaves no handler's process behind.
process.on("disconnect", () => {
  if (sandboxId !== undefined) killSandbox(sandboxId);
  process.exit(0);
});

process.on("message", (message: InvocationMessage) => {
  current = message;
  load();
  if (initError) return answer(initError);
  const run = handler!;
  const context = {
    awsRequestId: message.requestId,
    functionName: message.functionName,
    functionVersion,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: message.memoryLimitInMB,
    logGroupName,
    logStreamName,
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
      // Lambda refuses a larger response rather than carry it; so the runner never holds one either.
      if (Buffer.byteLength(json) > MAX_RESPONSE_BYTES) {
        return answer({ errorType: "Function.ResponseSizeTooLarge", errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` });
      }
      answer({ json });
    },
    (error) => answer(errorOf(error)),
  );
});
