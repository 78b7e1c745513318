/** Names of Lambda functions as the Lambda API receives them: in paths and bodies, plain or as ARNs. */

/** `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`, or its partial form `<account>:function:<name>[:<qualifier>]`. */
const FUNCTION_ARN = /^(?:arn:[\w-]+:lambda:[\w-]+:)?\d{12}:function:([\w-]+)(?::[\w$-]+)?$/;

/** The function name of a (full or partial) Lambda function ARN; `undefined` when `arn` is not one. */
export function functionNameOfArn(arn: string): string | undefined {
  return FUNCTION_ARN.exec(arn)?.[1];
}

/**
 * The function name in a path segment or body field, which may also be an ARN (`arn:aws:lambda:...:function:name`,
 * with or without a qualifier) or a partial ARN (`123456789012:function:name`).
 */
export function functionName(nameOrArn: string): string {
  const decoded = decodeURIComponent(nameOrArn);
  return functionNameOfArn(decoded) ?? decoded;
}
