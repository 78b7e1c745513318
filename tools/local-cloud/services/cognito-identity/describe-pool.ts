import { CognitoIdentityClient, DescribeIdentityPoolCommand, DescribeIdentityPoolCommandOutput } from "@aws-sdk/client-cognito-identity";
import { AwsError } from "../../protocol/aws-json";
import { MotoClient } from "../../moto/client";

/**
 * The identity pool as moto describes it; AWS's `ResourceNotFoundException` when moto does not have it in that
 * region and account. moto checks no signatures but picks the account from the access key: pass the caller's.
 */
export async function describePool(
  moto: MotoClient,
  identityPoolId: string,
  scope: { readonly accessKeyId: string; readonly region: string },
): Promise<DescribeIdentityPoolCommandOutput> {
  const client = new CognitoIdentityClient({
    ...moto.sdkOptions(),
    region: scope.region,
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey: "test" },
    maxAttempts: 1,
  });
  try {
    return await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") {
      throw new AwsError(400, "ResourceNotFoundException", `IdentityPool '${identityPoolId}' not found.`);
    }
    throw error;
  } finally {
    client.destroy();
  }
}
