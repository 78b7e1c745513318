import { AwsError, isJsonObject, jsonResponse, RestRoute } from "../../protocol/aws-json";
import { callMoto, MotoScope } from "../../moto/call";
import { MotoClient } from "../../moto/client";

/**
 * UpdateStage of API Gateway v2, which moto 5.2 does not implement (it answers 500 with an HTML page), so any change
 * to a deployed stage (its access log group, its throttling) fails `terraform apply`. The stage is updated as API
 * Gateway does it: the fields the request names replace the stage's, the others stay. moto has no way to change a
 * stage, so the front reads it, deletes it and creates it again with the merged settings, in the caller's account.
 */

/** What GetStage answers that CreateStage does not take. */
const READ_ONLY = ["createdDate", "lastUpdatedDate", "apiGatewayManaged", "lastDeploymentStatusMessage"] as const;

/** The route of `PATCH /v2/apis/<api>/stages/<stage>`. */
export function apiStageUpdateRoutes(): RestRoute[] {
  return [
    {
      method: "PATCH",
      path: /^\/v2\/apis\/([^/]+)\/stages\/([^/]+)\/?$/,
      handler: async (request, context, match) => {
        const scope = { accessKeyId: request.accessKeyId, region: request.region };
        const stagePath = `/v2/apis/${match[1]}/stages/${match[2]}`;
        const current = await callApiGateway(context.moto, scope, "GET", stagePath);
        const update = JSON.parse(request.body.toString("utf8") || "{}") as unknown;
        if (!isJsonObject(update)) throw new AwsError(400, "BadRequestException", "the UpdateStage body must be a JSON object");
        const merged: Record<string, unknown> = { ...current, ...update, stageName: current.stageName };
        for (const field of READ_ONLY) delete merged[field];
        await callApiGateway(context.moto, scope, "DELETE", stagePath);
        return jsonResponse(await callApiGateway(context.moto, scope, "POST", `/v2/apis/${match[1]}/stages`, merged));
      },
    },
  ];
}

/** Calls API Gateway v2 on moto as `scope`. */
function callApiGateway(moto: MotoClient, scope: MotoScope, method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const json = body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  return callMoto(moto, scope, { service: "apigateway", method, path, ...json, what: `${method} ${path}` });
}
