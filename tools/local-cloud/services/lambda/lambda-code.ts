import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { NODEJS_RUNTIME } from "../../../../constructs/runtime";
import { AwsJsonRequest, AwsResponse, HandlerContext, isJsonObject, RestRoute } from "../../protocol/aws-json";
import type { KeptStore } from "../../state/kept-store";
import { LoggingConfig, LoggingConfigStore } from "./lambda-logging-config";
import { functionName } from "./lambda-names";

/**
 * moto 5.2 keeps a deployed function's code but offers no way to download it over HTTP, so a local API Gateway
 * could not run it. The front keeps it instead: the zip (sent inline, or read from moto's S3 when the function names
 * `S3Bucket`/`S3Key`), handler, runtime, timeout, memory size, environment, role
 * and reserved concurrency each function was created or updated with, once moto has accepted the change, and its
 * logging configuration from the {@link LoggingConfigStore} the logging routes fill.
 */

/** Lambda's default timeout, in seconds. */
const DEFAULT_TIMEOUT = 3;

/** Lambda's default memory size, in MiB. */
const DEFAULT_MEMORY_SIZE = 128;

const FUNCTIONS = "^/2015-03-31/functions";
/** PutFunctionConcurrency and DeleteFunctionConcurrency have an API version of their own. */
const CONCURRENCY = "^/2017-10-31/functions";
const NAME = "([^/]+)";

/** A function's deployed code and the configuration needed to run it. */
export interface FunctionCode {
  readonly functionName: string;
  /** The deployment package as uploaded. */
  readonly zip: Buffer;
  /** Base64 SHA-256 of the zip, as Lambda reports it in `CodeSha256`. */
  readonly codeSha256: string;
  /** `<file>.<export>`, e.g. `index.handler`. */
  readonly handler: string;
  /** e.g. `nodejs22.x`. */
  readonly runtime: string;
  /** Seconds an invocation may run. @default 3 */
  readonly timeout: number;
  /** MiB. @default 128 */
  readonly memorySize: number;
  /** The function's environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** The region of the request that created the function. */
  readonly region: string;
  /** 1 when created; incremented by each UpdateFunctionCode. */
  readonly version: number;
  /** ARN of the execution role, whose credentials the function runs with. */
  readonly role?: string;
  /** How the function logs; AWS's defaults (Text, `/aws/lambda/<name>`) when it set none. */
  readonly loggingConfig: LoggingConfig;
  /** Most concurrent executions the function may have (PutFunctionConcurrency). @default unreserved */
  readonly reservedConcurrency?: number;
}

/** What the store keeps itself; the logging configuration is read from its own store. */
type StoredCode = Omit<FunctionCode, "loggingConfig">;

/** What the store announces: a function's name after it was created, updated or deleted. */
export type CodeListener = (functionName: string) => void;

/** The deployed code of every function created through the front, by function name. */
/** What a {@link LambdaCodeStore} keeps: each function's code, and their logging configuration. */
export interface SavedFunctions {
  readonly functions: readonly StoredCode[];
  readonly logging: ReturnType<LoggingConfigStore["save"]>;
}

export class LambdaCodeStore implements KeptStore<SavedFunctions> {
  private readonly functions = new Map<string, StoredCode>();
  private readonly events = new EventEmitter();

  /** @param logging where functions' logging configuration is kept; give it to `lambdaLoggingConfigRoutes` too. */
  constructor(readonly logging = new LoggingConfigStore()) {}

  /** The function's code and configuration, or `undefined` when the front has not seen it created. */
  code(name: string): FunctionCode | undefined {
    const stored = this.functions.get(functionName(name));
    return stored && { ...stored, loggingConfig: this.logging.configOf(stored.functionName) };
  }

  /** Names of all functions the store holds. */
  names(): string[] {
    return [...this.functions.keys()];
  }

  /** Calls `listener` with the function's name whenever a function is created, changed or deleted. */
  on(event: "update", listener: CodeListener): this {
    this.events.on(event, listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off(event: "update", listener: CodeListener): this {
    this.events.off(event, listener);
    return this;
  }

  /** Records a created function (replacing any earlier one of that name). */
  create(code: Omit<StoredCode, "version" | "codeSha256">): void {
    this.set({ ...code, codeSha256: sha256(code.zip), version: 1 });
  }

  /** Records new code of a known function; bumps its version. Unknown functions are ignored. */
  updateCode(name: string, zip: Buffer): void {
    const current = this.functions.get(name);
    if (current) this.set({ ...current, zip, codeSha256: sha256(zip), version: current.version + 1 });
  }

  /** Records changed configuration of a known function; the fields left out keep their values. */
  updateConfiguration(name: string, change: Partial<Pick<StoredCode, "handler" | "runtime" | "timeout" | "memorySize" | "environment" | "role">>): void {
    const current = this.functions.get(name);
    if (current) this.set({ ...current, ...change });
  }

  /** Records a known function's reserved concurrency; `undefined` removes the reservation. */
  updateConcurrency(name: string, reservedConcurrency: number | undefined): void {
    const current = this.functions.get(name);
    if (current) this.set({ ...current, reservedConcurrency });
  }

  /** Forgets a deleted function. */
  delete(name: string): void {
    if (this.functions.delete(name)) this.events.emit("update", name);
  }

  save(): SavedFunctions {
    return { functions: [...this.functions.values()], logging: this.logging.save() };
  }

  /** Puts the saved functions back, and announces each name, as their creation would. */
  restore(saved: SavedFunctions): void {
    this.logging.restore(saved.logging);
    this.functions.clear();
    for (const code of saved.functions) this.set(code);
  }

  private set(code: StoredCode): void {
    this.functions.set(code.functionName, code);
    this.events.emit("update", code.functionName);
  }
}

/** The Lambda API operations the store follows: each forwards to moto and records what moto accepted. */
export function lambdaCodeRoutes(store: LambdaCodeStore): RestRoute[] {
  return [
    {
      method: "POST",
      path: new RegExp(`${FUNCTIONS}/?$`),
      handler: async (request, context) => {
        const answer = await context.forward();
        if (answer.status >= 300) return answer;
        const sent = bodyOf(request.body);
        // Container images are not kept: the local API cannot run them.
        const zip = isJsonObject(sent.Code) ? await zipOf(sent.Code, request, context) : undefined;
        if (zip === undefined || typeof sent.FunctionName !== "string") return answer;
        store.create({
          functionName: functionName(sent.FunctionName),
          zip,
          handler: typeof sent.Handler === "string" ? sent.Handler : "index.handler",
          runtime: typeof sent.Runtime === "string" ? sent.Runtime : NODEJS_RUNTIME,
          timeout: typeof sent.Timeout === "number" ? sent.Timeout : DEFAULT_TIMEOUT,
          memorySize: typeof sent.MemorySize === "number" ? sent.MemorySize : DEFAULT_MEMORY_SIZE,
          environment: variablesOf(sent.Environment) ?? {},
          region: request.region,
          ...(typeof sent.Role === "string" && { role: sent.Role }),
        });
        return answer;
      },
    },
    {
      method: "PUT",
      path: new RegExp(`${FUNCTIONS}/${NAME}/code/?$`),
      handler: async (request, context, match) => {
        const answer = await context.forward();
        if (answer.status >= 300) return answer;
        const zip = await zipOf(bodyOf(request.body), request, context);
        if (zip) store.updateCode(functionName(match[1]), zip);
        return answer;
      },
    },
    {
      method: "PUT",
      path: new RegExp(`${FUNCTIONS}/${NAME}/configuration/?$`),
      handler: async (request, context, match) => {
        const answer = await context.forward();
        if (answer.status >= 300) return answer;
        const sent = bodyOf(request.body);
        const change: Parameters<LambdaCodeStore["updateConfiguration"]>[1] = {
          ...(typeof sent.Handler === "string" && { handler: sent.Handler }),
          ...(typeof sent.Runtime === "string" && { runtime: sent.Runtime }),
          ...(typeof sent.Timeout === "number" && { timeout: sent.Timeout }),
          ...(typeof sent.MemorySize === "number" && { memorySize: sent.MemorySize }),
          ...(typeof sent.Role === "string" && { role: sent.Role }),
          // `Environment` replaces all variables; `Environment: {}` removes them.
          ...(isJsonObject(sent.Environment) && { environment: variablesOf(sent.Environment) ?? {} }),
        };
        store.updateConfiguration(functionName(match[1]), change);
        return answer;
      },
    },
    {
      method: "PUT",
      path: new RegExp(`${CONCURRENCY}/${NAME}/concurrency/?$`),
      handler: async (request, context, match) => {
        const answer = await context.forward();
        const sent = bodyOf(request.body);
        if (answer.status < 300 && typeof sent.ReservedConcurrentExecutions === "number") store.updateConcurrency(functionName(match[1]), sent.ReservedConcurrentExecutions);
        return answer;
      },
    },
    {
      method: "DELETE",
      path: new RegExp(`${CONCURRENCY}/${NAME}/concurrency/?$`),
      handler: async (_request, context, match) => {
        const answer = await context.forward();
        if (answer.status < 300) store.updateConcurrency(functionName(match[1]), undefined);
        return answer;
      },
    },
    {
      method: "DELETE",
      path: new RegExp(`${FUNCTIONS}/${NAME}/?$`),
      handler: async (request, context, match) => {
        const answer = await context.forward();
        // Deleting one version (`?Qualifier=3`) leaves the function, and its $LATEST code, in place.
        const qualified = new URLSearchParams(request.path.split("?")[1] ?? "").has("Qualifier");
        if (answer.status < 300 && !qualified) store.delete(functionName(match[1]));
        return answer;
      },
    },
  ];
}

/**
 * Routes of `outer` layered over `inner`: the front takes the first route that matches, so where both have a route
 * for a request, the outer route's `forward()` runs the inner route (which forwards to moto) instead of going to moto
 * directly. Inner routes without an outer counterpart stay as they are.
 */
export function layerRoutes(outer: readonly RestRoute[], inner: readonly RestRoute[]): RestRoute[] {
  const innerFor = (method: string, path: string): ((context: HandlerContext, request: Parameters<RestRoute["handler"]>[0]) => Promise<AwsResponse>) | undefined => {
    for (const route of inner) {
      const match = route.method === method ? route.path.exec(path) : null;
      if (match) return (context, request) => route.handler(request, context, match);
    }
    return undefined;
  };
  const layered = outer.map(
    (route): RestRoute => ({
      ...route,
      handler: (request, context, match) => {
        const next = innerFor(request.method, request.path.split("?")[0]);
        return route.handler(request, next ? { ...context, forward: () => next(context, request) } : context, match);
      },
    }),
  );
  return [...layered, ...inner];
}

/**
 * The deployment package a CreateFunction `Code` or an UpdateFunctionCode body gives: `ZipFile` inline, or the object
 * `S3Bucket`/`S3Key` (at `S3ObjectVersion`) read from moto's S3 as the caller's account; `undefined` for an image.
 * Called once moto has accepted the request, so the object exists.
 */
async function zipOf(code: Record<string, unknown>, request: AwsJsonRequest, context: HandlerContext): Promise<Buffer | undefined> {
  if (typeof code.ZipFile === "string") return Buffer.from(code.ZipFile, "base64");
  if (typeof code.S3Bucket !== "string" || typeof code.S3Key !== "string") return undefined;
  const { GetObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  const s3 = new S3Client({
    ...context.moto.sdkOptions(),
    region: request.region,
    forcePathStyle: true,
    credentials: { accessKeyId: request.accessKeyId, secretAccessKey: "test" },
    maxAttempts: 1,
  });
  try {
    const version = typeof code.S3ObjectVersion === "string" ? { VersionId: code.S3ObjectVersion } : {};
    const object = await s3.send(new GetObjectCommand({ Bucket: code.S3Bucket, Key: code.S3Key, ...version }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } finally {
    s3.destroy();
  }
}

/** A request body as a JSON object; anything else as an empty object (moto has already judged the request). */
function bodyOf(body: Buffer): Record<string, unknown> {
  try {
    const value = JSON.parse(body.toString("utf8") || "{}") as unknown;
    return isJsonObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** The string variables of an `Environment` field, or `undefined` when it has none. */
function variablesOf(environment: unknown): Record<string, string> | undefined {
  if (!isJsonObject(environment) || !isJsonObject(environment.Variables)) return undefined;
  return Object.fromEntries(Object.entries(environment.Variables).map(([name, value]) => [name, String(value)]));
}

function sha256(zip: Buffer): string {
  return createHash("sha256").update(zip).digest("base64");
}
