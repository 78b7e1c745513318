/** AWS provider endpoint keys of every service our stacks call. */
export const AWS_SERVICES = ["apigatewayv2", "cognitoidentity", "cognitoidp", "iam", "lambda", "logs", "s3", "sts"] as const;

/**
 * An override of the stack's AWS provider that sends every call to `endpoint` with the given fake credentials,
 * and skips the checks that would otherwise call AWS (credentials, account id, metadata API, region list).
 */
export function awsProviderOverride(endpoint: string, accessKey: string): object {
  return {
    aws: [
      {
        access_key: accessKey,
        secret_key: accessKey,
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: "true",
        skip_region_validation: true,
        s3_use_path_style: true,
        endpoints: [Object.fromEntries(AWS_SERVICES.map((service) => [service, endpoint]))],
      },
    ],
  };
}
