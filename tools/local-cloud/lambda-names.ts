/** Names of Lambda functions as the Lambda API receives them: in paths and bodies, plain or as ARNs. */

/**
 * The function name in a path segment or body field, which may also be an ARN (`arn:aws:lambda:...:function:name`,
 * with or without a qualifier) or a partial ARN (`123456789012:function:name`).
 */
export function functionName(nameOrArn: string): string {
  const decoded = decodeURIComponent(nameOrArn);
  const arn = /:function:([^:]+)/.exec(decoded);
  return arn ? arn[1] : decoded;
}
