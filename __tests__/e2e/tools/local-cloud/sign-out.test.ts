import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  AuthenticationResultType,
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { signIn } from "../../../support/cognito-sign-in";
import { rejection } from "../../../support/rejection";
import { describeWhen, missing } from "../../../support/requires";

const run = promisify(execFile);
const PASSWORD = "Corr3ct-horse-battery!";
const REFRESH_REVOKED = "Refresh Token has been revoked";
const ACCESS_REVOKED = "Access Token has been revoked";

describeWhen(missing("moto"))("local cloud: sign-out as Cognito does it (RevokeToken, GlobalSignOut, AdminUserGlobalSignOut)", () => {
  let cloud: LocalCloud;
  let idp: CognitoIdentityProviderClient;
  let poolId: string;
  /** A public client, as apps have: USER_PASSWORD_AUTH, SRP and refresh. */
  let appClient: string;
  /** Another public client of the same pool. */
  let otherClient: string;
  let secretClient: { id: string; secret: string };
  /** `EnableTokenRevocation: false`. */
  let noRevocationClient: string;

  /** A user with a permanent password, made by an admin through the front (so SRP knows the password too). */
  async function user(username: string): Promise<void> {
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, TemporaryPassword: "Temp-pass-123!" }));
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
  }

  /** One sign-in (one session): its tokens. */
  async function session(username: string, clientId = appClient): Promise<AuthenticationResultType> {
    const answer = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD } }));
    return answer.AuthenticationResult!;
  }

  /** The tokens a refresh token redeems for, as an app's silent refresh asks (InitiateAuth REFRESH_TOKEN_AUTH). */
  const refresh = (refreshToken: string, clientId = appClient) =>
    idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: refreshToken } }));

  /** The same, as a back end asks (AdminInitiateAuth REFRESH_TOKEN, signed). */
  const adminRefresh = (refreshToken: string) =>
    idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: appClient, AuthFlow: "REFRESH_TOKEN", AuthParameters: { REFRESH_TOKEN: refreshToken } }));

  /** The name and message a call fails with. */
  const failure = async (promise: Promise<unknown>) => {
    const error = await rejection(promise);
    return [error.name, error.message];
  };

  /** The AWS CLI against the front, with the local key pair; exit code and output. */
  async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_MAX_ATTEMPTS: "1",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
    delete env.AWS_SESSION_TOKEN;
    delete env.AWS_PROFILE;
    return run("aws", ["--endpoint-url", cloud.endpoint, "--output", "json", ...args], { env, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === "number" ? error.code : 1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
    );
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    idp = new CognitoIdentityProviderClient({ endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: "sign-out-test" }))).UserPool!.Id!;
    const client = async (ClientName: string, settings: { GenerateSecret?: boolean; EnableTokenRevocation?: boolean } = {}) =>
      (
        await idp.send(
          new CreateUserPoolClientCommand({
            UserPoolId: poolId,
            ClientName,
            ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            ...settings,
          }),
        )
      ).UserPoolClient!;
    appClient = (await client("sign-out-test-app")).ClientId!;
    otherClient = (await client("sign-out-test-other")).ClientId!;
    const withSecret = await client("sign-out-test-secret", { GenerateSecret: true });
    secretClient = { id: withSecret.ClientId!, secret: withSecret.ClientSecret! };
    noRevocationClient = (await client("sign-out-test-no-revocation", { EnableTokenRevocation: false })).ClientId!;
  }, 60_000);

  afterAll(async () => {
    idp?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("RevokeToken: that refresh token and the access tokens issued from it are refused; the user's other session keeps working", async () => {
    await user("ana");
    const revoked = await session("ana");
    const other = await session("ana");
    const refreshed = (await refresh(revoked.RefreshToken!)).AuthenticationResult!.AccessToken!;

    await idp.send(new RevokeTokenCommand({ ClientId: appClient, Token: revoked.RefreshToken! }));

    expect(await failure(refresh(revoked.RefreshToken!))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
    expect(await failure(adminRefresh(revoked.RefreshToken!))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
    // The access token of the sign-in and one refreshed from it share the refresh token's origin_jti.
    expect(await failure(idp.send(new GetUserCommand({ AccessToken: revoked.AccessToken! })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);
    expect(await failure(idp.send(new GetUserCommand({ AccessToken: refreshed })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);
    expect(await failure(idp.send(new GlobalSignOutCommand({ AccessToken: revoked.AccessToken! })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);

    expect((await refresh(other.RefreshToken!)).AuthenticationResult!.AccessToken).toEqual(expect.any(String));
    expect((await idp.send(new GetUserCommand({ AccessToken: other.AccessToken! }))).Username).toBe("ana");
    // Revoking again is a success, as is an unknown token: the revoke endpoint answers 200 for both.
    await idp.send(new RevokeTokenCommand({ ClientId: appClient, Token: revoked.RefreshToken! }));
    await idp.send(new RevokeTokenCommand({ ClientId: appClient, Token: "1f0e9c1a-0000-4000-8000-000000000000" }));
  }, 60_000);

  test("RevokeToken is refused as Cognito refuses it, and then revokes nothing", async () => {
    await user("ben");
    const tokens = await session("ben");
    const revoke = (input: { ClientId: string; ClientSecret?: string; Token?: string }) => failure(idp.send(new RevokeTokenCommand({ Token: tokens.RefreshToken!, ...input })));

    expect(await revoke({ ClientId: otherClient })).toEqual(["UnauthorizedException", `The refresh token was not issued to client ${otherClient}.`]);
    expect(await revoke({ ClientId: "nosuchclient" })).toEqual(["UnauthorizedException", "Client nosuchclient does not exist."]);
    expect(await revoke({ ClientId: secretClient.id })).toEqual(["UnauthorizedException", `Client ${secretClient.id} has a secret: ClientSecret is required.`]);
    expect(await revoke({ ClientId: secretClient.id, ClientSecret: "wrongsecret000000000000000" })).toEqual(["UnauthorizedException", `Client secret does not match for client ${secretClient.id}.`]);
    expect((await revoke({ ClientId: noRevocationClient }))[0]).toBe("UnsupportedOperationException");
    expect(await revoke({ ClientId: appClient, Token: tokens.AccessToken! })).toEqual(["UnsupportedTokenTypeException", "RevokeToken revokes refresh tokens; this is an access token."]);
    expect((await revoke({ ClientId: appClient, Token: "not a token" }))[0]).toBe("InvalidParameterException");

    expect((await refresh(tokens.RefreshToken!)).AuthenticationResult!.AccessToken).toEqual(expect.any(String));
    expect((await idp.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).Username).toBe("ben");
  }, 60_000);

  test("RevokeToken with the secret of a client that has one revokes its token (the AWS CLI's revoke-token)", async () => {
    await user("cleo");
    const tokens = (
      await idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: secretClient.id, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "cleo", PASSWORD } }))
    ).AuthenticationResult!;
    const revoked = await aws("cognito-idp", "revoke-token", "--token", tokens.RefreshToken!, "--client-id", secretClient.id, "--client-secret", secretClient.secret);
    expect(revoked).toMatchObject({ code: 0, stderr: "" });
    expect(await failure(adminRefreshWith(secretClient.id, tokens.RefreshToken!))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
    expect(await failure(idp.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);

    function adminRefreshWith(clientId: string, refreshToken: string) {
      return idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: refreshToken } }));
    }
  }, 60_000);

  test("GlobalSignOut: every refresh token of the user is refused, and its access tokens where Cognito checks them; other users and a new sign-in work", async () => {
    await user("dan");
    await user("eve");
    const first = await session("dan");
    const second = await session("dan");
    const bystander = await session("eve");

    await idp.send(new GlobalSignOutCommand({ AccessToken: second.AccessToken! }));

    for (const tokens of [first, second]) {
      expect(await failure(refresh(tokens.RefreshToken!))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
      expect(await failure(adminRefresh(tokens.RefreshToken!))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
      expect(await failure(idp.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);
    }
    const old = second.AccessToken!;
    expect(await failure(idp.send(new ChangePasswordCommand({ AccessToken: old, PreviousPassword: PASSWORD, ProposedPassword: "N3w-horse-battery!" })))).toEqual([
      "NotAuthorizedException",
      ACCESS_REVOKED,
    ]);
    expect(await failure(idp.send(new UpdateUserAttributesCommand({ AccessToken: old, UserAttributes: [{ Name: "name", Value: "Dan" }] })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);
    expect(await failure(idp.send(new GlobalSignOutCommand({ AccessToken: old })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);

    expect((await idp.send(new GetUserCommand({ AccessToken: bystander.AccessToken! }))).Username).toBe("eve");
    const again = await session("dan");
    expect((await idp.send(new GetUserCommand({ AccessToken: again.AccessToken! }))).Username).toBe("dan");
    expect((await refresh(again.RefreshToken!)).AuthenticationResult!.AccessToken).toEqual(expect.any(String));
  }, 60_000);

  test("AdminUserGlobalSignOut with the AWS CLI: the user's refresh token is refused by the CLI's initiate-auth, its access token by get-user", async () => {
    await user("finn");
    const tokens = await session("finn");
    expect(await aws("cognito-idp", "admin-user-global-sign-out", "--user-pool-id", poolId, "--username", "finn")).toMatchObject({ code: 0 });

    const refreshed = await aws("cognito-idp", "initiate-auth", "--client-id", appClient, "--auth-flow", "REFRESH_TOKEN_AUTH", "--auth-parameters", `REFRESH_TOKEN=${tokens.RefreshToken}`);
    expect(refreshed.code).not.toBe(0);
    expect(refreshed.stderr).toContain(`An error occurred (NotAuthorizedException) when calling the InitiateAuth operation: ${REFRESH_REVOKED}`);
    const got = await aws("cognito-idp", "get-user", "--access-token", tokens.AccessToken!);
    expect(got.stderr).toContain(`An error occurred (NotAuthorizedException) when calling the GetUser operation: ${ACCESS_REVOKED}`);
  }, 60_000);

  test("amazon-cognito-identity-js signOut(callback), the call Amplify's signOut makes: RevokeToken, then the local tokens are cleared", async () => {
    await user("gus");
    const outcome = await signIn(cloud.endpoint, poolId, appClient, "gus", PASSWORD);
    if (outcome.kind !== "session") throw new Error(`expected a session, got ${outcome.kind}`);
    const refreshToken = outcome.session.getRefreshToken().getToken();
    const accessToken = outcome.session.getAccessToken().getJwtToken();

    const signedOut = await new Promise<Error | undefined>((resolve) => outcome.user.signOut((error?: Error) => resolve(error)));
    expect(signedOut).toBeUndefined();
    expect(outcome.user.getSignInUserSession()).toBeNull();

    expect(await failure(refresh(refreshToken))).toEqual(["NotAuthorizedException", REFRESH_REVOKED]);
    expect(await failure(idp.send(new GetUserCommand({ AccessToken: accessToken })))).toEqual(["NotAuthorizedException", ACCESS_REVOKED]);
  }, 60_000);
});
