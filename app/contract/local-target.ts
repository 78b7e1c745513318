import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../tools/local-cloud/account";
import { LOCAL_STATE_BUCKET } from "../config";

export { LOCAL_CREDENTIALS, LOCAL_REGION };

/**
 * What it takes to point the AWS provider and the S3 backend at the local cloud: shared by the app (the
 * `API_AUTH_COGNITO_TARGET=local` switch) and the tools' own deployer, so both talk to it the same way. Terraform's
 * snake_case settings, as an override file or `addOverride` writes them.
 */

/**
 * AWS provider arguments for the local cloud: the fake key pair `accessKey`/`accessKey`, never the instance metadata
 * API or the region list, path-style S3, and one retry (AWS's default of 25 attempts with backoff keeps a deploy
 * against a dead endpoint waiting for many minutes). With `offline`, they also skip the STS calls that check the
 * credentials and look up the account id (ARNs built from the account id then lack it). Where calls go is separate:
 * {@link localCloudConfig} for a stack of its own, or `AWS_ENDPOINT_URL` in Terraform's environment.
 */
export function localAwsProvider(accessKey: string, offline: boolean): Record<string, unknown> {
  return {
    access_key: accessKey,
    secret_key: accessKey,
    skip_credentials_validation: offline,
    skip_requesting_account_id: offline,
    skip_metadata_api_check: "true",
    skip_region_validation: true,
    s3_use_path_style: true,
    max_retries: 1,
  };
}

/** The profile of {@link localCloudConfig} that the `API_AUTH_COGNITO_TARGET=local` stacks' provider uses. */
export const LOCAL_CLOUD_PROFILE = "api-auth-cognito-local";

/**
 * An AWS shared config file whose profile {@link LOCAL_CLOUD_PROFILE} sends every call to `endpoint`
 * (`endpoint_url`, which the AWS SDKs and the provider read as they read `AWS_ENDPOINT_URL`). The
 * `API_AUTH_COGNITO_TARGET=local` stacks carry it and name it in their provider, so they are self-contained; the
 * provider's `endpoints` block would do the same, but provider 5.100 spends 3 to 7 s of CPU validating that block
 * each time it starts (measured: a plan 10.2 s of CPU with it, 3.4 s with the profile), and a deploy starts it
 * several times. `AWS_ENDPOINT_URL` in the environment wins over it, as over any profile's.
 */
export function localCloudConfig(endpoint: string): string {
  return `# The local cloud, for every AWS service (API_AUTH_COGNITO_TARGET=local).\n[profile ${LOCAL_CLOUD_PROFILE}]\nendpoint_url = ${endpoint}\n`;
}

/**
 * S3 backend settings that keep the state under `key` in the local cloud's state bucket at `endpoint`, with
 * S3-native locking as on AWS. The local cloud creates the bucket when it starts.
 */
export function localS3Backend(endpoint: string, key: string): Record<string, unknown> {
  return {
    bucket: LOCAL_STATE_BUCKET,
    key,
    region: LOCAL_REGION,
    encrypt: true,
    use_lockfile: true,
    use_path_style: true,
    access_key: LOCAL_CREDENTIALS.accessKeyId,
    secret_key: LOCAL_CREDENTIALS.secretAccessKey,
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    max_retries: 2,
    endpoints: { s3: endpoint },
  };
}
