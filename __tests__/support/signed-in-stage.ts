import { CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import { AdminConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, ExplicitAuthFlowsType, InitiateAuthCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { localClients } from "./local-clients";

/**
 * What a sign-in needs, made straight in a local cloud with the AWS SDK (no deploy): a user pool with a client, an
 * identity pool with its authenticated role, and confirmed users; and a user's sign-in traded for their identity.
 */

/** The password of every user {@link makeStage} makes. */
export const STAGE_PASSWORD = "Correct-Horse-9";

/** A user pool, its client, an identity pool whose authenticated role is set, and the confirmed users `emails`. */
export interface SignInStage {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly identityPoolId: string;
  readonly emails: readonly string[];
}

/** Makes a {@link SignInStage} named `name` in the cloud at `endpoint`, with a user per email (`<name>@example.com` by default). */
export async function makeStage(endpoint: string, name: string, emails: readonly string[] = [`${name}@example.com`]): Promise<SignInStage> {
  const clients = localClients(endpoint);
  try {
    const pool = (await clients.idp.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ["email"] }))).UserPool!;
    const flows: ExplicitAuthFlowsType[] = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    const client = (await clients.idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id!, ClientName: name, ExplicitAuthFlows: flows }))).UserPoolClient!;
    const identityPool = await clients.identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: name,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: `cognito-idp.us-east-1.amazonaws.com/${pool.Id}`, ClientId: client.ClientId }],
      }),
    );
    const role = (await clients.iam.send(new CreateRoleCommand({ RoleName: `${name}-auth`, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }))).Role!;
    await clients.identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPool.IdentityPoolId, Roles: { authenticated: role.Arn! } }));
    for (const email of emails) {
      await clients.idp.send(new SignUpCommand({ ClientId: client.ClientId, Username: email, Password: STAGE_PASSWORD }));
      await clients.idp.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.Id, Username: email }));
    }
    return { userPoolId: pool.Id!, clientId: client.ClientId!, identityPoolId: identityPool.IdentityPoolId!, emails };
  } finally {
    clients.destroy();
  }
}

/** Signs `email` in (USER_PASSWORD_AUTH) and trades the ID token for their identity and its credentials' key id. */
export async function identityOf(endpoint: string, stage: SignInStage, email = stage.emails[0]): Promise<{ identityId: string; accessKeyId: string }> {
  const clients = localClients(endpoint);
  try {
    const auth = await clients.idp.send(new InitiateAuthCommand({ ClientId: stage.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: STAGE_PASSWORD } }));
    const logins = { [`cognito-idp.us-east-1.amazonaws.com/${stage.userPoolId}`]: auth.AuthenticationResult!.IdToken! };
    const { IdentityId } = await clients.identity.send(new GetIdCommand({ IdentityPoolId: stage.identityPoolId, Logins: logins }));
    const { Credentials } = await clients.identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
    return { identityId: IdentityId!, accessKeyId: Credentials!.AccessKeyId! };
  } finally {
    clients.destroy();
  }
}
