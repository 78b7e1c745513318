import { AwsResponse, isJsonObject, RestRoute } from "./aws-json";
import { functionName } from "./lambda-names";

/**
 * moto 5.2 ignores a Lambda function's `LoggingConfig`: it neither stores it nor returns it, so Terraform would
 * plan to add `logging_config` again after every apply. This keeps the config each function was created or
 * updated with, and adds it to moto's answers, as AWS does (with AWS's defaults for functions that set none).
 */

/** A function's logging configuration, as the Lambda API returns it. */
type LoggingConfig = Record<string, unknown>;

const FUNCTIONS = "^/2015-03-31/functions";
const NAME = "([^/]+)";

/** The routes that fill the gap; each cloud gets its own store. */
export function lambdaLoggingConfigRoutes(): RestRoute[] {
  const configs = new Map<string, LoggingConfig>();
  const configOf = (name: string): LoggingConfig => configs.get(name) ?? { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` };

  /** Remembers the request's LoggingConfig once moto has accepted the change, and returns the completed answer. */
  const remember: RestRoute["handler"] = async (request, context, match) => {
    const answer = await context.forward();
    if (answer.status >= 300) return answer;
    const sent = JSON.parse(request.body.toString("utf8") || "{}") as { FunctionName?: string; LoggingConfig?: LoggingConfig };
    const name = functionName(match[1] ?? sent.FunctionName ?? "");
    if (isJsonObject(sent.LoggingConfig)) configs.set(name, { ...configOf(name), ...sent.LoggingConfig });
    return withLoggingConfig(answer, (body) => (body.LoggingConfig = configOf(name)));
  };

  return [
    { method: "POST", path: new RegExp(`${FUNCTIONS}/?$`), handler: remember },
    { method: "PUT", path: new RegExp(`${FUNCTIONS}/${NAME}/configuration/?$`), handler: remember },
    {
      method: "GET",
      path: new RegExp(`${FUNCTIONS}/${NAME}/?$`),
      handler: async (_request, context, match) =>
        withLoggingConfig(await context.forward(), (body) => {
          if (isJsonObject(body.Configuration)) body.Configuration.LoggingConfig = configOf(functionName(match[1]));
        }),
    },
    {
      method: "GET",
      path: new RegExp(`${FUNCTIONS}/${NAME}/configuration/?$`),
      handler: async (_request, context, match) =>
        withLoggingConfig(await context.forward(), (body) => (body.LoggingConfig = configOf(functionName(match[1])))),
    },
    {
      method: "DELETE",
      path: new RegExp(`${FUNCTIONS}/${NAME}/?$`),
      handler: async (_request, context, match) => {
        const answer = await context.forward();
        if (answer.status < 300) configs.delete(functionName(match[1]));
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
