import { ServiceHandlers } from "../../protocol/aws-json";
import { apiStageUpdateRoutes } from "./stage-updates";

/** API Gateway v2 beyond moto: UpdateStage, which moto lacks (stage-updates.ts). */

/** API Gateway v2's gap-fillers: what the local cloud wires into its front. */
export function apiGatewayV2Service(): ServiceHandlers {
  return { routes: apiStageUpdateRoutes() };
}
