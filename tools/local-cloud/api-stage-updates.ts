import { AwsError, isJsonObject, jsonResponse, RestRoute } from "./aws-json";
import { MotoScope } from "./moto-user-pools";

/**
 * UpdateStage of API Gateway v2, which moto 5.2 does not implement (it answers 500 with an HTML page), so any change
 * to a deployed stage (its access log group, its throttling) fails `terraform apply`. The stage is updated as API
 * Gateway does it: the fields the request names replace the stage's, the others stay. moto has no way to change a
 * stage, so the front reads it, deletes it and creates it again with the merged settings, in the caller's account.
 */

/** How long one call to moto may take. */
const MOTO_TIMEOUT_MS = 10_000;

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
        const current = await callApiGateway(context.motoEndpoint, scope, "GET", stagePath);
        const update = JSON.parse(request.body.toString("utf8") || "{}") as unknown;
        if (!isJsonObject(update)) throw new AwsError(400, "BadRequestException", "the UpdateStage body must be a JSON object");
        const merged: Record<string, unknown> = { ...current, ...update, stageName: current.stageName };
        for (const field of READ_ONLY) delete merged[field];
        await callApiGateway(context.motoEndpoint, scope, "DELETE", stagePath);
        return jsonResponse(await callApiGateway(context.motoEndpoint, scope, "POST", `/v2/apis/${match[1]}/stages`, merged));
      },
    },
  ];
}

/** Calls API Gateway v2 on moto; its errors are thrown as the same {@link AwsError}, so the caller sees moto's. */
async function callApiGateway(motoEndpoint: string, scope: MotoScope, method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${motoEndpoint}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      // moto reads the account and region from the credential scope and never checks the signature.
      authorization: `AWS4-HMAC-SHA256 Credential=${scope.accessKeyId}/20000101/${scope.region}/apigateway/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(MOTO_TIMEOUT_MS),
  });
  const text = await response.text();
  let answer: unknown = {};
  try {
    if (text !== "") answer = JSON.parse(text);
  } catch {
    throw new AwsError(502, "BadGateway", `moto answered ${method} ${path} with ${response.status} and a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const fields = isJsonObject(answer) ? answer : {};
  if (response.status >= 300) {
    const type = String(response.headers.get("x-amzn-errortype") ?? fields.__type ?? "InternalFailure").split(/[#:]/)[0];
    throw new AwsError(response.status, type, String(fields.message ?? fields.Message ?? ""));
  }
  return fields;
}
