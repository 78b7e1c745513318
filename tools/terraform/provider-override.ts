/** AWS provider endpoint keys of every service our stacks call. */
export const AWS_SERVICES = ["apigatewayv2", "cognitoidentity", "cognitoidp", "iam", "lambda", "logs", "s3", "sts"] as const;

/** What points a stack's AWS provider at one endpoint: a provider override block and the environment it needs. */
export interface AwsProviderOverride {
  /** The `provider` section of a Terraform override file. */
  readonly provider: object;
  /** Environment every Terraform command in the stack's directory runs with (see {@link endpointEnv}). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * An override of the stack's AWS provider that sends every call to `endpoint` with the given fake credentials.
 * It never asks the instance metadata API or checks the region list; with `offline`, it also skips the STS
 * calls that check the credentials and look up the account id (ARNs built from the account id then lack it).
 */
export function awsProviderOverride(endpoint: string, accessKey: string, offline: boolean): AwsProviderOverride {
  return {
    provider: {
      aws: [
        {
          access_key: accessKey,
          secret_key: accessKey,
          skip_credentials_validation: offline,
          skip_requesting_account_id: offline,
          skip_metadata_api_check: "true",
          skip_region_validation: true,
          s3_use_path_style: true,
          // One failed call is enough to know the endpoint is not there; AWS's default of 25 attempts, with backoff,
          // keeps a deploy against a dead endpoint waiting for many minutes.
          max_retries: 1,
        },
      ],
    },
    env: endpointEnv(endpoint),
  };
}

/**
 * The environment that sends every AWS SDK call of the provider to `endpoint`. The provider's `endpoints` block
 * would do the same, but provider 5.100 spends 3 to 6 s validating that block (its schema has an attribute per AWS
 * service) each time it starts, and a deploy starts it three times; `AWS_ENDPOINT_URL` costs nothing. Service-specific
 * variables inherited from the caller's shell would win over it, so they are removed.
 */
export function endpointEnv(endpoint: string): Record<string, string | undefined> {
  const inherited = Object.keys(process.env).filter((name) => /^AWS_ENDPOINT_URL_/.test(name) || /^TF_AWS_\w+_ENDPOINT$/.test(name));
  return {
    ...Object.fromEntries(inherited.map((name) => [name, undefined])),
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
    AWS_ENDPOINT_URL: endpoint,
  };
}
