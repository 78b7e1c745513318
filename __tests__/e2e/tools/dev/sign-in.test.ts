import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../../tools/local-cloud";
import { idTokenOf, signIn } from "../../../support/cognito-sign-in";
import { describeWhen, missing } from "../../../support/requires";
import { SharedDev, sharedDev } from "../../../support/shared";

const run = promisify(execFile);
const CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
const PASSWORD = "Passw0rd-for-dev!";

/**
 * The guide's sign-in as apps and aws-api-gateway-cli-test do it, against the run's shared `npm run dev`, by a user of
 * this file's own: amazon-cognito-identity-js
 * (USER_SRP_AUTH) against the deployed user pool and app client, the identity pool for credentials, and a
 * SigV4-signed GET /private with curl.
 */
describeWhen(missing("terraform", "moto", "lambda-node"))("npm run dev: SRP sign-in to a signed GET /private", () => {
  let dev: SharedDev;

  beforeAll(async () => {
    dev = await sharedDev();
  }, 300_000);

  test("the right password gets tokens, then credentials, then Hello <identity id>!; a wrong one is refused", async () => {
    const { UserPoolId, UserPoolClientId, IdentityPoolId } = dev.outputs;
    const idp = new CognitoIdentityProviderClient({ ...CONFIG, endpoint: dev.cloudEndpoint });
    const identity = new CognitoIdentityClient({ ...CONFIG, endpoint: dev.cloudEndpoint });
    try {
      await idp.send(new SignUpCommand({ ClientId: UserPoolClientId, Username: "srp@example.com", Password: PASSWORD }));
      await idp.send(new AdminConfirmSignUpCommand({ UserPoolId, Username: "srp@example.com" }));

      const wrong = await signIn(dev.cloudEndpoint, UserPoolId, UserPoolClientId, "srp@example.com", "not-the-password");
      expect(wrong).toMatchObject({ kind: "error", error: { code: "NotAuthorizedException", message: "Incorrect username or password." } });

      const token = idTokenOf(await signIn(dev.cloudEndpoint, UserPoolId, UserPoolClientId, "srp@example.com", PASSWORD));
      const Logins = { [`cognito-idp.${LOCAL_REGION}.amazonaws.com/${UserPoolId}`]: token };
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId, Logins }));
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));

      const { stdout } = await run("curl", [
        "-s", "-w", "\n%{http_code}", "--aws-sigv4", `aws:amz:${LOCAL_REGION}:execute-api`,
        "--user", `${Credentials!.AccessKeyId}:${Credentials!.SecretKey}`, "-H", `x-amz-security-token: ${Credentials!.SessionToken}`, `${dev.apiUrl}/private`,
      ]);
      const lines = stdout.split("\n");
      expect({ status: Number(lines.pop()), body: lines.join("\n") }).toEqual({ status: 200, body: `Hello ${IdentityId}!` });
    } finally {
      idp.destroy();
      identity.destroy();
    }
  }, 60_000);
});
