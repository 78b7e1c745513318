import { randomUUID } from "node:crypto";
import { IncomingHttpHeaders } from "node:http";
import { AwsError, AwsResponse, errorResponse } from "./aws-json";

/**
 * The 4xx answers of the front's access checks, worded as the service being called words them, so that SDKs and
 * the CLI raise the error class people search for: AWS JSON (`__type` and `x-amzn-errortype`, which REST-JSON
 * clients such as Lambda's read too), the Query protocol's `<ErrorResponse>` (STS, IAM) and S3's `<Error>`.
 */

/** How a service sends its errors. */
export type ErrorProtocol = "json" | "query" | "s3";

/** Why a request is refused. */
export type RefusalReason = "unknownKey" | "invalidToken" | "expiredToken" | "badSignature" | "malformed" | "missingAuthentication" | "accessDenied" | "tooLarge" | "serviceUnavailable";

/** The services of the Query protocol that the local cloud serves. */
const QUERY_SERVICES = new Set(["sts", "iam", "sns", "ses", "elasticloadbalancing", "autoscaling", "cloudformation", "rds", "ec2"]);

/** Error codes and default messages per protocol, as AWS sends them. */
const CODES: Record<RefusalReason, Record<ErrorProtocol, readonly [code: string, message: string]>> = {
  unknownKey: {
    json: ["UnrecognizedClientException", "The security token included in the request is invalid."],
    query: ["InvalidClientTokenId", "The security token included in the request is invalid."],
    s3: ["InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."],
  },
  invalidToken: {
    json: ["UnrecognizedClientException", "The security token included in the request is invalid."],
    query: ["InvalidClientTokenId", "The security token included in the request is invalid."],
    s3: ["InvalidToken", "The provided token is malformed or otherwise invalid."],
  },
  expiredToken: {
    json: ["ExpiredTokenException", "The security token included in the request is expired"],
    query: ["ExpiredToken", "The security token included in the request is expired"],
    s3: ["ExpiredToken", "The provided token has expired."],
  },
  badSignature: {
    json: ["InvalidSignatureException", "The request signature we calculated does not match the signature you provided."],
    query: ["SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."],
    s3: ["SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."],
  },
  malformed: {
    json: ["IncompleteSignatureException", "The request signature is incomplete."],
    query: ["IncompleteSignature", "The request signature is incomplete."],
    s3: ["AuthorizationHeaderMalformed", "The authorization header is malformed."],
  },
  missingAuthentication: {
    json: ["MissingAuthenticationTokenException", "Request is missing Authentication Token"],
    query: ["MissingAuthenticationToken", "Request is missing Authentication Token"],
    s3: ["AccessDenied", "Access Denied"],
  },
  accessDenied: {
    json: ["AccessDeniedException", "Access Denied"],
    query: ["AccessDenied", "Access Denied"],
    s3: ["AccessDenied", "Access Denied"],
  },
  /** Lambda's code, which the JSON services share; S3's own. */
  tooLarge: {
    json: ["RequestEntityTooLargeException", "Request must be smaller than the limit."],
    query: ["RequestEntityTooLarge", "Request must be smaller than the limit."],
    s3: ["EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"],
  },
  serviceUnavailable: {
    json: ["ServiceUnavailableException", "Service is unavailable."],
    query: ["ServiceUnavailable", "Service is unavailable."],
    s3: ["ServiceUnavailable", "Service is unable to handle request."],
  },
};

/** The statuses other than 403, by protocol where they differ: S3 answers a malformed authorization and a body too large with 400. */
const STATUS: Partial<Record<RefusalReason, number | Partial<Record<ErrorProtocol, number>>>> = {
  malformed: { s3: 400 },
  tooLarge: { json: 413, query: 413, s3: 400 },
  serviceUnavailable: 503,
};

/**
 * The protocol of a request: from its signing name when signed, else from its shape (`X-Amz-Target` is AWS JSON, a
 * form post is the Query protocol, anything else is taken for S3's REST XML).
 */
export function errorProtocolOf(service: string | undefined, headers: IncomingHttpHeaders): ErrorProtocol {
  if (service === "s3") return "s3";
  if (service !== undefined && QUERY_SERVICES.has(service)) return "query";
  if (service !== undefined || headers["x-amz-target"] !== undefined) return "json";
  return String(headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") ? "query" : "s3";
}

/**
 * A 403 refusal (400 for a malformed S3 authorization, 413 for a body too large, 400 in S3's case, 503 when the
 * service is unavailable) in the protocol's style; `message` replaces AWS's default.
 */
export function refusal(protocol: ErrorProtocol, reason: RefusalReason, message?: string, accessKeyId?: string): AwsResponse {
  const [code, defaultMessage] = CODES[reason][protocol];
  const text = message ?? defaultMessage;
  const special = STATUS[reason];
  const status = (typeof special === "number" ? special : special?.[protocol]) ?? 403;
  const requestId = randomUUID();
  if (protocol === "json") return errorResponse(new AwsError(status, code, text));
  const body =
    protocol === "query"
      ? `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${xml(text)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(text)}</Message>${
          accessKeyId !== undefined && (reason === "unknownKey" || reason === "badSignature") ? `<AWSAccessKeyId>${xml(accessKeyId)}</AWSAccessKeyId>` : ""
        }<RequestId>${requestId}</RequestId></Error>`;
  return { status, headers: { "content-type": protocol === "query" ? "text/xml" : "application/xml", "x-amzn-requestid": requestId, "x-amz-request-id": requestId }, body: Buffer.from(body) };
}

/** Text escaped for an XML element. */
export function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
