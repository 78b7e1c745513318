import { localAwsProvider } from "../../local-cloud-target";

/**
 * An override of the stack's AWS provider that sends every call to `endpoint` with the given fake credentials
 * (see {@link localAwsProvider}).
 */
export function awsProviderOverride(endpoint: string, accessKey: string, offline: boolean): object {
  return { aws: [localAwsProvider(endpoint, accessKey, offline)] };
}
