/** AWS provider endpoint keys of every service our stacks call. */
export const AWS_SERVICES = ["apigatewayv2", "cognitoidentity", "cognitoidp", "iam", "lambda", "logs", "s3", "sts"] as const;

/**
 * An override of the stack's AWS provider that sends every call to `endpoint` with the given fake credentials.
 * It never asks the instance metadata API or checks the region list; with `offline`, it also skips the STS
 * calls that check the credentials and look up the account id (ARNs built from the account id then lack it).
 */
export function awsProviderOverride(endpoint: string, accessKey: string, offline: boolean): object {
  return {
    aws: [
      {
        access_key: accessKey,
        secret_key: accessKey,
        skip_credentials_validation: offline,
        skip_requesting_account_id: offline,
        skip_metadata_api_check: "true",
        skip_region_validation: true,
        s3_use_path_style: true,
        endpoints: [Object.fromEntries(AWS_SERVICES.map((service) => [service, endpoint]))],
      },
    ],
  };
}
