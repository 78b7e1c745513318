import { ServiceHandlers } from "../../protocol/aws-json";
import { lambdaCodeRoutes, LambdaCodeStore, layerRoutes } from "./lambda-code";
import { lambdaLoggingConfigRoutes } from "./lambda-logging-config";

/**
 * Lambda beyond moto: each function's code and configuration, kept to run it locally (lambda-code.ts), and its
 * logging configuration, which moto drops (lambda-logging-config.ts); names and ARNs as the API takes them
 * (lambda-names.ts).
 */

export { LambdaCodeStore } from "./lambda-code";
export type { CodeListener, FunctionCode } from "./lambda-code";
export { functionNameOfArn } from "./lambda-names";

/** The service of one local cloud: its store, and the routes backed by it. */
export interface LambdaService extends ServiceHandlers {
  /** The code and configuration of every function created through the front. */
  readonly code: LambdaCodeStore;
}

/** Lambda with a fresh store: what the local cloud wires into its front. */
export function lambdaService(): LambdaService {
  const code = new LambdaCodeStore();
  return { code, routes: layerRoutes(lambdaCodeRoutes(code), lambdaLoggingConfigRoutes(code.logging)) };
}
