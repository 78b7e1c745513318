import { startLocalApi } from "../local-api";
import { LOCAL_CREDENTIALS, LocalCloud } from "../local-cloud";
import { smokeTest, SmokeStep } from "../smoke/smoke-test";
import { outputs } from "../terraform/local-deploy";
import { OUTPUT_NAMES } from "../../app/contract";

/**
 * The smoke test CI runs after each deploy (`npm run smoke`), run on the stage just applied to a local cloud: its API
 * served by the local API (as `npm run dev` serves it), its Cognito calls sent to the cloud with the local key pair
 * standing in for the deploy role's credentials. What the recording sees of it is exactly what AWS would authorize.
 */

/** `X-Amz-Target` prefixes of the smoke test's own calls: it calls Cognito only, the API goes to the local API. */
const SMOKE_TARGETS = /^AWSCognitoIdentity(Provider)?Service\./;

/**
 * Whether a request the front saw is one of the smoke test's: the local API's own reads of the cloud (routes, role
 * policies) while it serves are the harness's, not the deploy role's.
 */
export function isSmokeCall(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return SMOKE_TARGETS.test(String(headers["x-amz-target"] ?? ""));
}

/** Runs the smoke test on the stage applied in `terraformDir` to `cloud`; resolves with its steps, rejects as it fails. */
export async function smokeAppliedStage(cloud: LocalCloud, terraformDir: string): Promise<SmokeStep[]> {
  const stageOutputs = await outputs(terraformDir);
  const api = await startLocalApi({ cloud, apiId: stageOutputs[OUTPUT_NAMES.apiId], region: stageOutputs[OUTPUT_NAMES.region] });
  try {
    // No retries: the local cloud is consistent at once, and a retried step would record its calls twice.
    return await smokeTest({ outputs: stageOutputs, apiUrl: api.url, awsEndpoint: cloud.endpoint, credentials: LOCAL_CREDENTIALS }, () => {}, { withinMs: 0 });
  } finally {
    await api.stop();
  }
}
