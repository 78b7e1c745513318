import { localAwsProvider } from "../../app/contract";

/** What points a stack's AWS provider at one endpoint: a provider override block and the environment it needs. */
export interface AwsProviderOverride {
  /** The `provider` section of a Terraform override file. */
  readonly provider: object;
  /** Environment every Terraform command in the stack's directory runs with (see {@link endpointEnv}). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * An override of the stack's AWS provider that sends every call to `endpoint` with the given fake credentials
 * (see {@link localAwsProvider}).
 */
export function awsProviderOverride(endpoint: string, accessKey: string, offline: boolean): AwsProviderOverride {
  return {
    provider: { aws: [localAwsProvider(accessKey, offline)] },
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
