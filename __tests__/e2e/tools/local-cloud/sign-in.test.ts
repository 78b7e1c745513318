import { CognitoIdentityClient, CreateIdentityPoolCommand, GetIdCommand, SetIdentityPoolRolesCommand } from "@aws-sdk/client-cognito-identity";
import {
  DescribeUserPoolCommand,
  UpdateUserPoolCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { srpPoolName } from "../../../../tools/local-cloud/services/cognito-idp/cognito-srp";
import { completeNewPassword, forgedIdToken, idTokenOf, librarySrpClient, libraryTimestamp, signIn, SrpChallenge } from "../../../support/cognito-sign-in";
import { describeWhen, missing } from "../../../support/requires";
import { claimsOf, rejection } from "../../../support/rejection";

const PASSWORD = "Corr3ct-horse-battery!";
const WRONG_PASSWORD = "Wr0ng-horse-battery!";
const INCORRECT = "Incorrect username or password.";

describeWhen(missing("moto"))("local cloud: user pool sign-in with amazon-cognito-identity-js (USER_SRP_AUTH), as Cognito answers it", () => {
  let cloud: LocalCloud;
  let idp: CognitoIdentityProviderClient;
  let identity: CognitoIdentityClient;
  let poolId: string;
  /** PreventUserExistenceErrors ENABLED. */
  let hidingClient: string;
  /** PreventUserExistenceErrors LEGACY (the API's default). */
  let legacyClient: string;
  let identityPoolId: string;
  let provider: string;

  const signInAs = (username: string, password: string, clientId = hidingClient) => signIn(cloud.endpoint, poolId, clientId, username, password);

  /** Signs a user up through the front and confirms them as an admin; their sub. */
  async function signedUp(email: string, password = PASSWORD): Promise<string> {
    const { UserSub } = await idp.send(new SignUpCommand({ ClientId: hidingClient, Username: email, Password: password }));
    await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
    return UserSub!;
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ warmUp: false });
    const config = { endpoint: cloud.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
    idp = new CognitoIdentityProviderClient(config);
    identity = new CognitoIdentityClient(config);
    const iam = new IAMClient(config);
    try {
      poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: "sign-in-test", UsernameAttributes: ["email"] }))).UserPool!.Id!;
      const appClient = async (name: string, PreventUserExistenceErrors: "ENABLED" | "LEGACY") =>
        (
          await idp.send(
            new CreateUserPoolClientCommand({
              UserPoolId: poolId,
              ClientName: name,
              PreventUserExistenceErrors,
              ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
          )
        ).UserPoolClient!.ClientId!;
      hidingClient = await appClient("sign-in-test-hiding", "ENABLED");
      legacyClient = await appClient("sign-in-test-legacy", "LEGACY");
      provider = `cognito-idp.${LOCAL_REGION}.amazonaws.com/${poolId}`;
      identityPoolId = (
        await identity.send(
          new CreateIdentityPoolCommand({
            IdentityPoolName: "sign_in_test",
            AllowUnauthenticatedIdentities: false,
            CognitoIdentityProviders: [{ ProviderName: provider, ClientId: hidingClient }],
          }),
        )
      ).IdentityPoolId!;
      const RoleName = "sign-in-test-authenticated";
      const role = (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }))).Role!.Arn!;
      await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: role } }));
    } finally {
      iam.destroy();
    }
  }, 60_000);

  afterAll(async () => {
    idp?.destroy();
    identity?.destroy();
    await cloud?.stop();
  }, 15_000);

  test("the right password signs in: tokens for that user, and USER_ID_FOR_SRP is the username (the sub), not the email", async () => {
    const sub = await signedUp("ana@example.com");
    const outcome = await signInAs("ana@example.com", PASSWORD);
    const claims = claimsOf(idTokenOf(outcome));
    expect(claims).toMatchObject({ sub, email: "ana@example.com", token_use: "id", aud: hidingClient });
    expect(outcome.kind === "session" && outcome.user.getUsername()).toBe(sub);
  }, 30_000);

  test("a wrong password is NotAuthorizedException, worded as Cognito and as moto's USER_PASSWORD_AUTH word it", async () => {
    await signedUp("ben@example.com");
    const outcome = await signInAs("ben@example.com", WRONG_PASSWORD);
    expect(outcome).toMatchObject({ kind: "error", error: { code: "NotAuthorizedException", message: INCORRECT } });
    // The same answer moto gives for USER_PASSWORD_AUTH, so both flows read alike.
    const plain = await rejection(idp.send(new InitiateAuthCommand({ ClientId: legacyClient, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "ben@example.com", PASSWORD: WRONG_PASSWORD } })));
    expect([plain.name, plain.message]).toEqual(["NotAuthorizedException", INCORRECT]);
  }, 30_000);

  test("a made-up PASSWORD_CLAIM_SIGNATURE is refused (moto alone accepts any)", async () => {
    await signedUp("cleo@example.com");
    const challenge = await idp.send(
      new InitiateAuthCommand({ ClientId: hidingClient, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "cleo@example.com", SRP_A: "abcdef0123456789" } }),
    );
    expect(challenge.ChallengeName).toBe("PASSWORD_VERIFIER");
    const { SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP } = challenge.ChallengeParameters!;
    expect(SALT).toMatch(/^[0-9a-f]+$/);
    expect(SRP_B!.length).toBeGreaterThan(700); // a 3072-bit number, not moto's 32-digit uuid
    const error = await rejection(
      idp.send(
        new RespondToAuthChallengeCommand({
          ClientId: hidingClient,
          ChallengeName: "PASSWORD_VERIFIER",
          Session: challenge.Session,
          ChallengeResponses: { USERNAME: USER_ID_FOR_SRP!, PASSWORD_CLAIM_SECRET_BLOCK: SECRET_BLOCK!, TIMESTAMP: "Tue Dec 1 23:41:04 UTC 2026", PASSWORD_CLAIM_SIGNATURE: "c2lnbmF0dXJl" },
        }),
      ),
    );
    expect([error.name, error.message]).toEqual(["NotAuthorizedException", INCORRECT]);
  }, 30_000);

  test("AdminInitiateAuth USER_SRP_AUTH and AdminRespondToAuthChallenge: the right proof gets tokens, a wrong one does not", async () => {
    await signedUp("lea@example.com");
    const attempt = async (password: string) => {
      const client = await librarySrpClient(srpPoolName(poolId));
      const challenge = await idp.send(
        new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: hidingClient, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "lea@example.com", SRP_A: client.srpA } }),
      );
      const parameters = challenge.ChallengeParameters as unknown as SrpChallenge;
      const TIMESTAMP = libraryTimestamp();
      return idp.send(
        new AdminRespondToAuthChallengeCommand({
          UserPoolId: poolId,
          ClientId: hidingClient,
          ChallengeName: "PASSWORD_VERIFIER",
          Session: challenge.Session,
          ChallengeResponses: {
            USERNAME: parameters.USER_ID_FOR_SRP,
            PASSWORD_CLAIM_SECRET_BLOCK: parameters.SECRET_BLOCK,
            TIMESTAMP,
            PASSWORD_CLAIM_SIGNATURE: await client.sign(parameters, password, TIMESTAMP),
          },
        }),
      );
    };
    expect((await attempt(PASSWORD)).AuthenticationResult?.IdToken).toBeDefined();
    const error = await rejection(attempt(WRONG_PASSWORD));
    expect([error.name, error.message]).toEqual(["NotAuthorizedException", INCORRECT]);
  }, 30_000);

  test("ADMIN_USER_PASSWORD_AUTH with a wrong password says 'Incorrect username or password.' (moto says the username)", async () => {
    await signedUp("max@example.com");
    const error = await rejection(
      idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: legacyClient, AuthFlow: "ADMIN_USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "max@example.com", PASSWORD: WRONG_PASSWORD } })),
    );
    expect([error.name, error.message]).toEqual(["NotAuthorizedException", INCORRECT]);
  }, 30_000);

  test("an unknown user is 'Incorrect username or password.' when the client prevents user existence errors, UserNotFoundException when it does not", async () => {
    expect(await signInAs("nobody@example.com", PASSWORD)).toMatchObject({ kind: "error", error: { code: "NotAuthorizedException", message: INCORRECT } });
    const legacy = await signInAs("nobody@example.com", PASSWORD, legacyClient);
    expect(legacy).toMatchObject({ kind: "error", error: { code: "UserNotFoundException" } });
    const plain = await rejection(idp.send(new InitiateAuthCommand({ ClientId: hidingClient, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "nobody@example.com", PASSWORD } })));
    expect([plain.name, plain.message]).toEqual(["NotAuthorizedException", INCORRECT]);
    const confirm = await rejection(idp.send(new ConfirmSignUpCommand({ ClientId: hidingClient, Username: "nobody@example.com", ConfirmationCode: "123456" })));
    expect(confirm.name).toBe("CodeMismatchException");
  }, 30_000);

  test("the SRP challenge of an unknown user is simulated: same salt and user id for the same username, as Cognito documents", async () => {
    const start = () =>
      idp.send(new InitiateAuthCommand({ ClientId: hidingClient, AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "ghost@example.com", SRP_A: "abcdef0123456789" } }));
    const [first, second] = [await start(), await start()];
    expect(first.ChallengeName).toBe("PASSWORD_VERIFIER");
    expect(second.ChallengeParameters!.SALT).toBe(first.ChallengeParameters!.SALT);
    expect(second.ChallengeParameters!.USER_ID_FOR_SRP).toBe(first.ChallengeParameters!.USER_ID_FOR_SRP);
    expect(first.ChallengeParameters!.USER_ID_FOR_SRP).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }, 30_000);

  test("admin-set-user-password: the new password signs in, the old one no longer does", async () => {
    await signedUp("dan@example.com");
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "dan@example.com", Password: "N3w-password-for-dan!", Permanent: true }));
    expect((await signInAs("dan@example.com", "N3w-password-for-dan!")).kind).toBe("session");
    expect(await signInAs("dan@example.com", PASSWORD)).toMatchObject({ kind: "error", error: { message: INCORRECT } });
  }, 30_000);

  test("ChangePassword with the user's access token: the new password signs in, the old one no longer does", async () => {
    await signedUp("eve@example.com");
    const outcome = await signInAs("eve@example.com", PASSWORD);
    if (outcome.kind !== "session") throw new Error(`sign-in failed: ${outcome.kind}`);
    const AccessToken = outcome.session.getAccessToken().getJwtToken();
    await idp.send(new ChangePasswordCommand({ AccessToken, PreviousPassword: PASSWORD, ProposedPassword: "Ch4nged-by-eve!" }));
    expect((await signInAs("eve@example.com", "Ch4nged-by-eve!")).kind).toBe("session");
    expect(await signInAs("eve@example.com", PASSWORD)).toMatchObject({ kind: "error", error: { message: INCORRECT } });
  }, 30_000);

  test("ConfirmForgotPassword: the new password signs in; for an unknown user it is CodeMismatchException (hiding) or UserNotFoundException (legacy)", async () => {
    await signedUp("kim@example.com");
    await idp.send(new ForgotPasswordCommand({ ClientId: hidingClient, Username: "kim@example.com" }));
    // moto takes any code that does not look like one of its own.
    await idp.send(new ConfirmForgotPasswordCommand({ ClientId: hidingClient, Username: "kim@example.com", ConfirmationCode: "123456", Password: "F0rgot-and-reset!" }));
    expect((await signInAs("kim@example.com", "F0rgot-and-reset!")).kind).toBe("session");
    expect(await signInAs("kim@example.com", PASSWORD)).toMatchObject({ kind: "error", error: { message: INCORRECT } });

    const unknown = (ClientId: string) =>
      rejection(idp.send(new ConfirmForgotPasswordCommand({ ClientId, Username: "nobody@example.com", ConfirmationCode: "123456", Password: "F0rgot-and-reset!" })));
    expect((await unknown(hidingClient)).name).toBe("CodeMismatchException");
    expect((await unknown(legacyClient)).name).toBe("UserNotFoundException");
  }, 30_000);

  test("an admin-created user signs in with the temporary password, must choose a new one, then signs in with that", async () => {
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: "fay@example.com", TemporaryPassword: "Temp0rary-pass!", MessageAction: "SUPPRESS" }));
    const first = await signInAs("fay@example.com", "Temp0rary-pass!");
    expect(first.kind === "error" ? first.error.message : first.kind).toBe("newPasswordRequired");
    if (first.kind !== "newPasswordRequired") return;
    expect((await completeNewPassword(first.user, "Ch0sen-by-fay!")).kind).toBe("session");
    expect((await signInAs("fay@example.com", "Ch0sen-by-fay!")).kind).toBe("session");
    expect(await signInAs("fay@example.com", "Temp0rary-pass!")).toMatchObject({ kind: "error", error: { message: INCORRECT } });
  }, 30_000);

  test("a user made behind the front's back (in moto directly) is refused with how to give the local cloud a verifier", async () => {
    const direct = new CognitoIdentityProviderClient({ ...cloud.motoClient.sdkOptions(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    try {
      await direct.send(new SignUpCommand({ ClientId: hidingClient, Username: "gus@example.com", Password: PASSWORD }));
      await direct.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: "gus@example.com" }));
    } finally {
      direct.destroy();
    }
    const outcome = await signInAs("gus@example.com", PASSWORD);
    expect(outcome).toMatchObject({ kind: "error", error: { code: "NotAuthorizedException" } });
    const message = outcome.kind === "error" ? outcome.error.message : "";
    expect(message).toMatch(/no password verifier/);
    expect(message).toContain(`admin-set-user-password --user-pool-id ${poolId}`);
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: "gus@example.com", Password: PASSWORD, Permanent: true }));
    expect((await signInAs("gus@example.com", PASSWORD)).kind).toBe("session");
  }, 30_000);

  describe("GetId trusts a token only for a user that exists and is enabled", () => {
    const getId = (token: string) => identity.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [provider]: token } }));

    test("a signed-in user's ID token gets an identity", async () => {
      await signedUp("hal@example.com");
      expect((await getId(idTokenOf(await signInAs("hal@example.com", PASSWORD)))).IdentityId).toMatch(/^us-east-1:/);
    }, 30_000);

    test("a token forged with moto's published key for a made-up user is NotAuthorizedException", async () => {
      const now = Math.floor(Date.now() / 1000);
      const sub = "00000000-1111-4222-8333-444444444444";
      const token = forgedIdToken({ iss: `https://${provider}`, sub, aud: hidingClient, token_use: "id", "cognito:username": sub, iat: now, auth_time: now, exp: now + 3600 }, cloud.motoPid);
      const error = await rejection(getId(token));
      expect(error.name).toBe("NotAuthorizedException");
      expect(error.message).toMatch(/^Invalid login token\. .*does not exist/);
    }, 30_000);

    test("a deleted or disabled user's genuine token is NotAuthorizedException", async () => {
      await signedUp("ivy@example.com");
      await signedUp("jon@example.com");
      const ivy = idTokenOf(await signInAs("ivy@example.com", PASSWORD));
      const jon = idTokenOf(await signInAs("jon@example.com", PASSWORD));
      await idp.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: "ivy@example.com" }));
      await idp.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: "jon@example.com" }));
      for (const token of [ivy, jon]) {
        const error = await rejection(getId(token));
        expect([error.name, error.message]).toEqual(["NotAuthorizedException", expect.stringMatching(/^Invalid login token\./)]);
      }
    }, 30_000);
  });

  test("UpdateUserPool keeps what Cognito keeps: username attributes, username configuration and tags (moto starts again from its defaults)", async () => {
    const { UserPool } = await idp.send(
      new CreateUserPoolCommand({ PoolName: "update-test", UsernameAttributes: ["email"], UsernameConfiguration: { CaseSensitive: false }, UserPoolTags: { Team: "auth" } }),
    );
    await idp.send(new UpdateUserPoolCommand({ UserPoolId: UserPool!.Id!, MfaConfiguration: "OFF", UserPoolTier: "LITE" }));
    const updated = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: UserPool!.Id! }))).UserPool!;
    expect(updated).toMatchObject({ UsernameAttributes: ["email"], UsernameConfiguration: { CaseSensitive: false }, UserPoolTags: { Team: "auth" }, MfaConfiguration: "OFF", UserPoolTier: "LITE" });
  });
});
