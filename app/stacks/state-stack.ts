import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { StateBucket } from "../../constructs/state-bucket";
import { APP_NAME, Settings } from "../config";

/**
 * The bucket that holds every stage's state, in a stack of its own with local state: apply it once per account,
 * before the first stage (`npx cdktf deploy api-auth-cognito-state`).
 */
export class StateStack extends TerraformStack {
  readonly bucket: StateBucket;

  constructor(scope: Construct, id: string, settings: Settings) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: settings.stateRegion,
      defaultTags: [{ tags: { App: APP_NAME, ManagedBy: "cdktf" } }],
    });
    // Terraform runs in cdktf.out/stacks/<stack>/: this keeps the state file in the project root, by a relative path
    // (cdktf's default is absolute, which would tie cdktf.out to this checkout).
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` });
    this.bucket = new StateBucket(this, "StateBucket", { bucketName: settings.stateBucket });
    new TerraformOutput(this, "StateBucketName", { value: this.bucket.bucketName });
  }
}
