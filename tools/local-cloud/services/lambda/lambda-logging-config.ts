import { AwsResponse, isJsonObject, RestRoute } from "../../protocol/aws-json";
import type { KeptStore } from "../../state/kept-store";
import { functionName } from "./lambda-names";

/**
 * moto 5.2 ignores a Lambda function's `LoggingConfig`: it neither stores it nor returns it, so Terraform would
 * plan to add `logging_config` again after every apply. This keeps the config each function was created or
 * updated with, and adds it to moto's answers, as AWS does (with AWS's defaults for functions that set none).
 */

/** A function's logging configuration, as the Lambda API returns it. */
export interface LoggingConfig {
  /** `Text` (tab-separated lines) or `JSON` (one object per line). @default "Text" */
  readonly LogFormat?: string;
  /** The least level of the function's own logs that is kept; JSON format only. @default "INFO" with JSON */
  readonly ApplicationLogLevel?: string;
  /** The least level of the runtime's own logs that is kept; JSON format only. @default "INFO" with JSON */
  readonly SystemLogLevel?: string;
  /** @default `/aws/lambda/<function name>` */
  readonly LogGroup?: string;
  readonly [field: string]: unknown;
}

const FUNCTIONS = "^/2015-03-31/functions";
const NAME = "([^/]+)";

/** The logging configuration of every function, by function name; read by the routes and by the Lambda code store. */
export class LoggingConfigStore implements KeptStore<Array<[string, LoggingConfig]>> {
  private readonly configs = new Map<string, LoggingConfig>();

  /** The function's configuration, with AWS's defaults for what it never set. */
  configOf(name: string): LoggingConfig {
    return this.configs.get(name) ?? { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` };
  }

  /** Merges a `LoggingConfig` a request sent into the function's; fields the request leaves out keep their values. */
  update(name: string, sent: LoggingConfig): void {
    this.configs.set(name, { ...this.configOf(name), ...sent });
  }

  /** Forgets a deleted function's configuration. */
  delete(name: string): void {
    this.configs.delete(name);
  }

  save(): Array<[string, LoggingConfig]> {
    return [...this.configs];
  }

  restore(saved: Array<[string, LoggingConfig]>): void {
    this.configs.clear();
    for (const [name, config] of saved) this.configs.set(name, config);
  }
}

/** The routes that fill the gap, keeping the configuration in `configs` (each cloud gets its own store). */
export function lambdaLoggingConfigRoutes(configs = new LoggingConfigStore()): RestRoute[] {
  /** Remembers the request's LoggingConfig once moto has accepted the change, and returns the completed answer. */
  const remember: RestRoute["handler"] = async (request, context, match) => {
    const answer = await context.forward();
    if (answer.status >= 300) return answer;
    const sent = JSON.parse(request.body.toString("utf8") || "{}") as { FunctionName?: string; LoggingConfig?: LoggingConfig };
    const name = functionName(match[1] ?? sent.FunctionName ?? "");
    if (isJsonObject(sent.LoggingConfig)) configs.update(name, sent.LoggingConfig);
    return withLoggingConfig(answer, (body) => (body.LoggingConfig = configs.configOf(name)));
  };

  return [
    { method: "POST", path: new RegExp(`${FUNCTIONS}/?$`), handler: remember },
    { method: "PUT", path: new RegExp(`${FUNCTIONS}/${NAME}/configuration/?$`), handler: remember },
    {
      method: "GET",
      path: new RegExp(`${FUNCTIONS}/${NAME}/?$`),
      handler: async (_request, context, match) =>
        withLoggingConfig(await context.forward(), (body) => {
          if (isJsonObject(body.Configuration)) body.Configuration.LoggingConfig = configs.configOf(functionName(match[1]));
        }),
    },
    {
      method: "GET",
      path: new RegExp(`${FUNCTIONS}/${NAME}/configuration/?$`),
      handler: async (_request, context, match) =>
        withLoggingConfig(await context.forward(), (body) => (body.LoggingConfig = configs.configOf(functionName(match[1])))),
    },
    {
      method: "DELETE",
      path: new RegExp(`${FUNCTIONS}/${NAME}/?$`),
      handler: async (request, context, match) => {
        const answer = await context.forward();
        // Deleting one version (`?Qualifier=3`) leaves the function and its configuration in place.
        const qualified = new URLSearchParams(request.path.split("?")[1] ?? "").has("Qualifier");
        if (answer.status < 300 && !qualified) configs.delete(functionName(match[1]));
        return answer;
      },
    },
  ];
}

/** moto's successful JSON answer with `edit` applied; anything else unchanged. */
function withLoggingConfig(answer: AwsResponse, edit: (body: Record<string, unknown>) => void): AwsResponse {
  if (answer.status >= 300) return answer;
  const body = JSON.parse(answer.body.toString("utf8")) as unknown;
  if (!isJsonObject(body)) return answer;
  edit(body);
  const text = Buffer.from(JSON.stringify(body));
  return { ...answer, headers: { ...answer.headers, "content-length": text.length }, body: text };
}
