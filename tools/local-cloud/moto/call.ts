import { AwsError, isJsonObject } from "../protocol/aws-json";
import { MotoClient } from "./client";

/** How long one call to moto may take. */
const MOTO_TIMEOUT_MS = 10_000;

/** Who asks: moto keeps state per account (from the access key) and region; it checks no signatures. */
export interface MotoScope {
  readonly accessKeyId: string;
  readonly region: string;
}

/** A request the front sends moto itself, to look something up or to carry out an operation moto lacks. */
export interface MotoRequest {
  /** The signing name moto routes by, such as `cognito-idp` or `apigateway`. */
  readonly service: string;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** What the call is, for messages: the operation, or the method and path. */
  readonly what: string;
}

/**
 * Sends `request` to moto as the caller `scope` and returns its JSON answer (an empty object for an empty body).
 * moto's errors are thrown as the same {@link AwsError} (status, type, message), so a handler that lets them pass
 * answers as moto would.
 */
export async function callMoto(moto: MotoClient, scope: MotoScope, request: MotoRequest): Promise<Record<string, unknown>> {
  const response = await moto.request({
    method: request.method,
    path: request.path,
    headers: {
      ...request.headers,
      // moto reads the account and region from the credential scope and never checks the signature.
      authorization: `AWS4-HMAC-SHA256 Credential=${scope.accessKeyId}/20000101/${scope.region}/${request.service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: request.body,
    timeoutMs: MOTO_TIMEOUT_MS,
  });
  const text = response.body.toString("utf8");
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new AwsError(502, "BadGateway", `moto answered ${request.what} with ${response.status} and a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const answer = isJsonObject(body) ? body : {};
  if (response.status >= 300) {
    const type = String(answer.__type ?? response.headers["x-amzn-errortype"] ?? "InternalFailure").split("#").pop()!.split(":")[0];
    throw new AwsError(response.status, type, String(answer.message ?? answer.Message ?? ""));
  }
  return answer;
}
