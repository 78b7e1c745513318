import { LOCAL_STATE_BUCKET } from "./config";

/**
 * What it takes to point the AWS provider and the S3 backend at the local cloud: shared by the app (the
 * `API_AUTH_COGNITO_TARGET=local` switch) and the tools' own deployer, so both talk to it the same way. Terraform's
 * snake_case settings, as an override file or `addOverride` writes them.
 */

/** The region of the local cloud. */
export const LOCAL_REGION = "us-east-1";

/** The documented key pair the local cloud's own tools (Terraform, the local API) sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" } as const;

/** AWS provider endpoint keys of every service our stacks call. */
export const AWS_SERVICES = ["apigatewayv2", "cognitoidentity", "cognitoidp", "iam", "lambda", "logs", "s3", "sts"] as const;

/** {@link localAwsProvider}'s settings: `endpoints` is a block of the provider, the others are arguments. */
export interface LocalAwsProvider {
  readonly endpoints: Array<Record<(typeof AWS_SERVICES)[number], string>>;
  readonly [argument: string]: unknown;
}

/**
 * AWS provider settings that send every call to `endpoint` with the fake key pair `accessKey`/`accessKey`. They
 * never ask the instance metadata API or check the region list; with `offline`, they also skip the STS calls that
 * check the credentials and look up the account id (ARNs built from the account id then lack it).
 */
export function localAwsProvider(endpoint: string, accessKey: string, offline: boolean): LocalAwsProvider {
  return {
    access_key: accessKey,
    secret_key: accessKey,
    skip_credentials_validation: offline,
    skip_requesting_account_id: offline,
    skip_metadata_api_check: "true",
    skip_region_validation: true,
    s3_use_path_style: true,
    endpoints: [Object.fromEntries(AWS_SERVICES.map((service) => [service, endpoint])) as Record<(typeof AWS_SERVICES)[number], string>],
  };
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
    endpoints: { s3: endpoint },
  };
}
