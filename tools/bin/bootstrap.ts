import { runCommand } from "../cli/command";

/** `npm run bootstrap`: the account's state bucket, with a name derived from the account and region, recorded in cdktf.json. */
runCommand(module, {
  usage: "npm run bootstrap [-- --region REGION]",
  description:
    "Asks STS which account the credentials belong to, names the state bucket api-auth-cognito-state-<account>-<region> (S3 names are global: a fixed name would be someone else's), creates it with the state stack (api-auth-cognito-state: versioning, encryption, TLS only, no public access, old versions expired), and records stateBucket and stateRegion in cdktf.json's context, so every stage's synth and deploy use it. A bucket you set yourself (API_AUTH_COGNITO_STATE_BUCKET or context stateBucket) is kept. Safe to run again. Honours AWS_ENDPOINT_URL (an emulator) and the AWS SDK's credentials (AWS_PROFILE, SSO, environment).",
  options: { region: { type: "string", valueName: "REGION", description: "region of the bucket (default: the stateRegion setting, us-east-1)" } },
  examples: ["npm run bootstrap", "AWS_PROFILE=prod-admin npm run bootstrap -- --region eu-west-1"],
  async run(options) {
    const { bootstrap } = await import("../terraform/bootstrap");
    const { prepareTerraform } = await import("../terraform/terraform");
    const { note } = await import("../cli/terminal");
    prepareTerraform();
    const endpoint = process.env.AWS_ENDPOINT_URL || undefined;
    const result = await bootstrap({ region: options.region as string | undefined, endpoint });
    console.log(`state bucket ${result.bucket} (${result.region}, account ${result.accountId})`);
    note(result.recorded ? `recorded in cdktf.json: "stateBucket": "${result.bucket}", "stateRegion": "${result.region}"` : "cdktf.json already names it");
    return 0;
  },
});
