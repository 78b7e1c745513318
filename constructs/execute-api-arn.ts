/**
 * The ARNs of API Gateway's execute-api: what `execute-api:Invoke` policies and Lambda invoke permissions name. The
 * one place their form is written, for the constructs and for the local API that authorizes requests as AWS does.
 */

/** An API's execution ARN, `arn:<partition>:execute-api:<region>:<account>:<api id>`, as Terraform's `execution_arn`. */
export function executionArn(region: string, accountId: string, apiId: string, partition = "aws"): string {
  return `arn:${partition}:execute-api:${region}:${accountId}:${apiId}`;
}

/**
 * An execute-api ARN below an API's execution ARN: `<execution ARN>/<stage>/<method>/<resource path>`, the path
 * without its leading slash; without a path for the `$default` route (`<execution ARN>/<stage>/$default`). Any part
 * may be IAM's `*` wildcard.
 */
export function executeApiArn(apiExecutionArn: string, stage: string, method: string, resourcePath?: string): string {
  const base = `${apiExecutionArn}/${stage}/${method}`;
  return resourcePath === undefined ? base : `${base}/${resourcePath.replace(/^\//, "")}`;
}
