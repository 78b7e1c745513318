import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { DevEnvironment } from "../dev";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local-cloud";

/** The bucket sdk-handler.ts stores greetings in. */
export const GREETINGS_BUCKET = "greetings-dev";

/** The handler file swapped in for `GET /private`. */
const SDK_HANDLER = join(__dirname, "sdk-handler.ts");

/**
 * Makes `GET /private` of a running `npm run dev` a handler that calls S3 (sdk-handler.ts), as a team would: a
 * bucket, a grant of `s3:PutObject` and `s3:GetObject` on its `greetings/*` to the function's execution role, the
 * bucket's name in the function's environment, and the new handler saved over `lambdas/private.ts` under
 * `sourceRoot` (a copy of the project's handlers, never the project's own). Resolves with the function's name once
 * the local cloud holds the new code.
 */
export async function useSdkHandler(dev: DevEnvironment, sourceRoot: string): Promise<string> {
  const functionName = dev.manifest.functions.find((fn) => fn.entry === "lambdas/private.ts")?.name;
  if (!functionName) throw new Error(`the ${dev.manifest.stage} stage has no function for lambdas/private.ts`);
  const config = { endpoint: dev.cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const lambda = new LambdaClient(config);
  const iam = new IAMClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: GREETINGS_BUCKET }));
    const { Role } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const grant = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${GREETINGS_BUCKET}/greetings/*` }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: Role!.split("/").pop(), PolicyName: "greetings", PolicyDocument: JSON.stringify(grant) }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: { GREETINGS_BUCKET } } }));
  } finally {
    s3.destroy();
    lambda.destroy();
    iam.destroy();
  }
  const before = (await dev.cloud.lambdaCode.code(functionName))!.version;
  copyFileSync(SDK_HANDLER, join(sourceRoot, "lambdas", "private.ts"));
  for (const started = Date.now(); (await dev.cloud.lambdaCode.code(functionName))!.version === before; ) {
    if (Date.now() - started > 20_000) throw new Error(`npm run dev did not reload ${functionName} within 20 s of saving the SDK handler`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return functionName;
}
