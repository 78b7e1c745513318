import { ApiAnswerError } from "./api-answer-error";

/** What a transient error is waiting for. */
export interface TransientError {
  /** What has not reached every AWS endpoint yet, as in "while <propagating> propagates". */
  readonly propagating: string;
  /** Transient only as the answer to a SigV4-signed request (an unsigned GET /private must answer 403). @default false */
  readonly signedOnly?: boolean;
}

/**
 * The errors AWS gives for a while after a first deploy, keyed by name: an AWS SDK error's `name`, or `HTTP <status>`
 * for an answer of the stage's API ({@link ApiAnswerError}). A smoke step retries these, and only these, within its
 * window (smoke-retry.ts); any other error, a wrong password, an unsigned 403 that should be 200, fails at once. Each
 * is also what a real fault gives, so past the window it is a failure like any other.
 */
export const TRANSIENT_ERRORS: Readonly<Record<string, TransientError>> = {
  // GetCredentialsForIdentity, "Invalid identity pool configuration. Check assigned IAM roles for this pool.", while
  // STS does not yet see the new authenticated role or its trust policy (aud = the pool): AWS API reference
  // GetCredentialsForIdentity, awsdocs/amazon-cognito-developer-guide#38, aws/aws-sdk-js#1615; IAM user guide,
  // "Changes that I make are not always immediately visible" (troubleshoot_general-eventual-consistency).
  InvalidIdentityPoolConfigurationException: { propagating: "the identity pool's authenticated role (its trust policy)" },
  // Cognito's control plane answers ResourceNotFoundException for a pool, client or group just created or changed:
  // aws/aws-sdk-js-v3#3825, pulumi/pulumi-aws-native#1809 (retries NotFound right after create).
  ResourceNotFoundException: { propagating: "the new user pool, app client or identity pool" },
  // A new HTTP API's $default stage answers {"message":"Not Found"} until its routes reach the edge:
  // hashicorp/terraform-provider-aws#578 and #17604 (requests right after a deployment fail, a pause fixes them).
  "HTTP 404": { propagating: "the API's new stage" },
  // API Gateway answers 500 (API_CONFIGURATION_ERROR, "Invalid permissions on Lambda function") until the
  // aws_lambda_permission reaches it: DataBiosphere/azul#8301, hashicorp/terraform-provider-aws#17604, bustle/shep#303.
  // A handler that throws answers the same 500: it fails once the window is over.
  "HTTP 500": { propagating: "the Lambda permission that lets API Gateway invoke the function" },
  // A signed call answers 403 {"message":"Forbidden"} while the authenticated role's execute-api:Invoke policy (or the
  // new role's session) has not propagated, exactly as it does when the grant is missing: retried only within the
  // window. pulumi/pulumi-aws#2411 (IAM changes take about 2 s to reach the data planes),
  // aws-actions/configure-aws-credentials#1681 ("The security token included in the request is invalid" for a new role).
  "HTTP 403": { propagating: "the authenticated role's execute-api:Invoke policy", signedOnly: true },
};

/** What `error` is waiting for when it is one of {@link TRANSIENT_ERRORS}; `undefined` for any other error. */
export function transientCause(error: unknown): TransientError | undefined {
  if (!(error instanceof Error) || !Object.hasOwn(TRANSIENT_ERRORS, error.name)) return undefined;
  const cause = TRANSIENT_ERRORS[error.name];
  if (cause.signedOnly && !(error instanceof ApiAnswerError && error.signed)) return undefined;
  return cause;
}
