import type { FunctionCode } from "../../local-cloud";

/**
 * What one invocation of a local Lambda function is made of: the code it runs, the credentials its process gets, the
 * log lines it writes and what it comes to. Types only, shared by the pool (pool.ts), its processes (worker.ts) and
 * their environment (environment.ts), and by the API server that maps results to responses.
 */

/** The code an invocation runs; a {@link FunctionCode} from the store fits. */
export type RunnableCode = Pick<FunctionCode, "functionName" | "zip" | "handler" | "timeout" | "environment"> &
  Partial<Pick<FunctionCode, "runtime" | "memorySize" | "region" | "codeSha256" | "version" | "role" | "loggingConfig" | "reservedConcurrency">>;

/** What an invocation came to. */
export type InvokeResult = (
  | { readonly kind: "ok"; /** The handler's return value, as JSON would carry it (`undefined` becomes `null`). */ readonly result: unknown }
  | { readonly kind: "error"; readonly errorType: string; readonly errorMessage: string }
  | { readonly kind: "timeout" }
) & {
  /** Wall time from the request to the answer, in ms, including a cold start. */
  readonly durationMs?: number;
  /** Whether a new process was started for this invocation. */
  readonly coldStart?: boolean;
};

/**
 * Where log lines go. In the Text log format `line` is `<ISO time>\t<request id>\t<text>`, as Lambda writes lines
 * to CloudWatch; in the JSON format it is the line as the runtime wrote it, one JSON object per console call.
 */
export type LogSink = (line: string, tag: { readonly requestId: string; readonly stream: "stdout" | "stderr" }) => void;

/** Temporary credentials of a function's role, as Lambda gives them to the function's processes. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Absent for long-term keys, such as the local cloud's documented key pair. */
  readonly sessionToken?: string;
  readonly expiration: Date;
}

/** Options of one invocation. */
export interface InvokeOptions {
  /** @default a random UUID */
  readonly requestId?: string;
  /** Receives each line the handler writes to stdout or stderr. @default lines are discarded */
  readonly onLog?: LogSink;
}
