import { ApiGatewayV2Client, GetStageCommand, NotFoundException } from "@aws-sdk/client-apigatewayv2";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";
import { loadRoutes, LoadRoutesOptions, RouteTable } from "./route-table";
import { StageThrottling, stageThrottling } from "./throttle";

/**
 * Everything the local API serves by, read from what was deployed: the route table and CORS configuration
 * (GetApi, GetRoutes, GetIntegrations) and the `$default` stage's throttling and access log settings (GetStage).
 * `LocalApi.reload()` reads it all again.
 */

/** The stage the local API serves: the API's automatically deployed `$default` stage. */
export const SERVED_STAGE = "$default";

/** What the local API needs of the served stage. */
export interface DeployedStage {
  readonly name: string;
  /** From `DefaultRouteSettings` and `RouteSettings`. */
  readonly throttling: StageThrottling;
  /** `AccessLogSettings.Format`; `undefined` when the stage writes no access logs. */
  readonly accessLogFormat?: string;
}

/** A deployed HTTP API and its served stage. */
export interface DeployedApi {
  readonly table: RouteTable;
  /** `undefined` when the API has no `$default` stage (API Gateway would then serve nothing; the local API serves the routes unthrottled and unlogged). */
  readonly stage?: DeployedStage;
}

/** Reads the API `apiId` and its `$default` stage from the emulator at `endpoint`. */
export async function loadDeployedApi(endpoint: string, apiId: string, options: LoadRoutesOptions = {}): Promise<DeployedApi> {
  const [table, stage] = await Promise.all([loadRoutes(endpoint, apiId, options), loadStage(endpoint, apiId, options)]);
  return { table, stage };
}

async function loadStage(endpoint: string, apiId: string, options: LoadRoutesOptions): Promise<DeployedStage | undefined> {
  const client = new ApiGatewayV2Client({ endpoint, region: options.region ?? LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    const stage = await client.send(new GetStageCommand({ ApiId: apiId, StageName: SERVED_STAGE }));
    return {
      name: stage.StageName ?? SERVED_STAGE,
      throttling: stageThrottling(stage.DefaultRouteSettings, stage.RouteSettings),
      accessLogFormat: stage.AccessLogSettings?.Format,
    };
  } catch (error) {
    if (error instanceof NotFoundException) return undefined;
    throw error;
  } finally {
    client.destroy();
  }
}
