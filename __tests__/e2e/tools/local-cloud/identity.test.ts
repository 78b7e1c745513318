import { randomBytes } from "node:crypto";
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  SetIdentityPoolRolesCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalCloud, startLocalCloud } from "../../../../tools/local-cloud";
import { Front, startFront } from "../../../../tools/local-cloud/gateway/server";
import { MotoServer, startMoto } from "../../../../tools/local-cloud/moto/process";
import { identityHandlers, identityPoolRoleHandlers, IdentityPoolRoleStore, IdentityStore } from "../../../../tools/local-cloud/services/cognito-identity";
import { describeWhen, missing } from "../../../support/requires";
import { claimsOf, rejection } from "../../../support/rejection";

const REGION = LOCAL_REGION;
const CREDENTIALS = LOCAL_CREDENTIALS;
const PASSWORD = "Corr3ct-horse-battery!";
/** What moto's own GetCredentialsForIdentity hands every caller. */
const MOTO_FIXED_ACCESS_KEY = "TESTACCESSKEY12345";
const IDENTITY_ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR_MS = 60 * 60 * 1000;

/** A token whose signature has one byte flipped. */
function withFlippedSignatureByte(token: string): string {
  const [header, payload, signature] = token.split(".");
  const bytes = Buffer.from(signature, "base64url");
  bytes[10] ^= 0x01;
  return `${header}.${payload}.${bytes.toString("base64url")}`;
}

/** A token with claims changed and the original signature kept. */
function withClaims(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const claims = { ...(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as object), ...changes };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
}

/** A user pool with an app client that allows USER_PASSWORD_AUTH, and the `Logins` key of the pool. */
async function userPool(idp: CognitoIdentityProviderClient, name: string): Promise<{ poolId: string; clientId: string; provider: string }> {
  const { UserPool } = await idp.send(new CreateUserPoolCommand({ PoolName: name, UsernameAttributes: ["email"] }));
  const poolId = UserPool!.Id!;
  return { poolId, clientId: await appClient(idp, poolId, `${name}-client`), provider: `cognito-idp.${REGION}.amazonaws.com/${poolId}` };
}

async function appClient(idp: CognitoIdentityProviderClient, poolId: string, name: string): Promise<string> {
  const { UserPoolClient } = await idp.send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: name, ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
  );
  return UserPoolClient!.ClientId!;
}

/** Signs a user up, confirms them as an admin, and signs them in: their `sub` and an ID token per app client. */
async function signedInUser(idp: CognitoIdentityProviderClient, poolId: string, clientIds: string[], email: string): Promise<{ sub: string; tokens: string[] }> {
  const { UserSub } = await idp.send(new SignUpCommand({ ClientId: clientIds[0], Username: email, Password: PASSWORD }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  const tokens = [];
  for (const clientId of clientIds) {
    const { AuthenticationResult } = await idp.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD } }),
    );
    tokens.push(AuthenticationResult!.IdToken!);
  }
  return { sub: UserSub!, tokens };
}

async function role(iam: IAMClient, name: string): Promise<string> {
  const document = JSON.stringify({ Version: "2012-10-17", Statement: [] });
  return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }))).Role!.Arn!;
}

describeWhen(missing("moto"))("local cloud: GetId and GetCredentialsForIdentity per user, from verified user pool ID tokens", () => {
  let moto: MotoServer;
  let front: Front;
  /** The same handlers on the same moto, with a clock two hours ahead: every token moto issues is expired there. */
  let lateFront: Front;
  let store: IdentityStore;
  let identity: CognitoIdentityClient;
  let lateIdentity: CognitoIdentityClient;
  let idp: CognitoIdentityProviderClient;
  let iam: IAMClient;

  let provider: string;
  let otherProvider: string;
  let authenticatedRole: string;
  let unauthenticatedRole: string;
  /** Guests off; trusts the first app client only. */
  let membersPool: string;
  /** Guests on. */
  let guestsPool: string;
  /** Lists the provider, but has no roles attached. */
  let rolelessPool: string;
  let userA: { sub: string; token: string; tokenOfSecondClient: string };
  let userB: { sub: string; token: string };
  let otherPoolToken: string;

  const getId = (IdentityPoolId: string, token?: string, key = provider) =>
    identity.send(new GetIdCommand({ IdentityPoolId, Logins: token === undefined ? undefined : { [key]: token } }));
  const credentialsFor = (IdentityId: string, token?: string, key = provider) =>
    identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: token === undefined ? undefined : { [key]: token } }));

  beforeAll(async () => {
    moto = await startMoto();
    const roles = new IdentityPoolRoleStore();
    store = new IdentityStore(roles);
    front = await startFront(moto.client, [{ handlers: { ...identityPoolRoleHandlers(roles), ...identityHandlers(store) } }]);
    lateFront = await startFront(moto.client, [{ handlers: identityHandlers(new IdentityStore(roles, { now: () => Date.now() + 2 * HOUR_MS })) }]);
    const config = { endpoint: front.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    identity = new CognitoIdentityClient(config);
    lateIdentity = new CognitoIdentityClient({ ...config, endpoint: lateFront.endpoint });
    idp = new CognitoIdentityProviderClient(config);
    iam = new IAMClient(config);

    const members = await userPool(idp, "identity-test-users");
    const secondClient = await appClient(idp, members.poolId, "identity-test-second-client");
    const other = await userPool(idp, "identity-test-other-users");
    provider = members.provider;
    otherProvider = other.provider;
    const [a, b, stranger] = await Promise.all([
      signedInUser(idp, members.poolId, [members.clientId, secondClient], "a@example.com"),
      signedInUser(idp, members.poolId, [members.clientId], "b@example.com"),
      signedInUser(idp, other.poolId, [other.clientId], "a@example.com"),
    ]);
    userA = { sub: a.sub, token: a.tokens[0], tokenOfSecondClient: a.tokens[1] };
    userB = { sub: b.sub, token: b.tokens[0] };
    otherPoolToken = stranger.tokens[0];

    [authenticatedRole, unauthenticatedRole] = await Promise.all([role(iam, "identity-test-authenticated"), role(iam, "identity-test-unauthenticated")]);
    const identityPool = async (allowGuests: boolean) =>
      (
        await identity.send(
          new CreateIdentityPoolCommand({
            IdentityPoolName: `identity_test_${randomBytes(4).toString("hex")}`,
            AllowUnauthenticatedIdentities: allowGuests,
            CognitoIdentityProviders: [{ ProviderName: provider, ClientId: members.clientId }],
          }),
        )
      ).IdentityPoolId!;
    [membersPool, guestsPool, rolelessPool] = await Promise.all([identityPool(false), identityPool(true), identityPool(true)]);
    const Roles = { authenticated: authenticatedRole, unauthenticated: unauthenticatedRole };
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: membersPool, Roles }));
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: guestsPool, Roles }));
  }, 30_000);

  afterAll(async () => {
    for (const client of [identity, lateIdentity, idp, iam]) client?.destroy();
    await front?.stop();
    await lateFront?.stop();
    await moto?.stop();
  }, 15_000);

  test("moto's ID tokens name the user pool as issuer, the app client as audience, and are ID tokens", () => {
    expect(claimsOf(userA.token)).toMatchObject({ iss: `https://${provider}`, sub: userA.sub, token_use: "id" });
    expect(claimsOf(userA.token).aud).not.toBe(claimsOf(userA.tokenOfSecondClient).aud);
  });

  test("GetId gives a user the same identity every time, and another user another one", async () => {
    const first = (await getId(membersPool, userA.token)).IdentityId!;
    const again = (await getId(membersPool, userA.token)).IdentityId!;
    const other = (await getId(membersPool, userB.token)).IdentityId!;
    expect(first).toMatch(IDENTITY_ID);
    expect(again).toBe(first);
    expect(other).toMatch(IDENTITY_ID);
    expect(other).not.toBe(first);
  });

  test("GetCredentialsForIdentity mints a temporary key pair per user, valid for an hour", async () => {
    const idA = (await getId(membersPool, userA.token)).IdentityId!;
    const idB = (await getId(membersPool, userB.token)).IdentityId!;
    const a = await credentialsFor(idA, userA.token);
    const b = await credentialsFor(idB, userB.token);

    expect(a.IdentityId).toBe(idA);
    expect(b.IdentityId).toBe(idB);
    for (const { Credentials } of [a, b]) {
      expect(Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
      expect(Credentials!.SecretKey).toHaveLength(40);
      expect(Credentials!.SessionToken!.length).toBeGreaterThan(50);
      expect(Math.abs(Credentials!.Expiration!.getTime() - (Date.now() + HOUR_MS))).toBeLessThan(60_000);
    }
    expect(a.Credentials!.AccessKeyId).not.toBe(MOTO_FIXED_ACCESS_KEY);
    expect(a.Credentials!.AccessKeyId).not.toBe(b.Credentials!.AccessKeyId);
    expect(a.Credentials!.SecretKey).not.toBe(b.Credentials!.SecretKey);
    expect(a.Credentials!.SessionToken).not.toBe(b.Credentials!.SessionToken);
  });

  test("the store finds minted credentials by access key: identity, pool, authenticated role and amr", async () => {
    const IdentityId = (await getId(membersPool, userA.token)).IdentityId!;
    const { Credentials } = await credentialsFor(IdentityId, userA.token);

    expect(store.credentials(Credentials!.AccessKeyId!)).toEqual({
      accessKeyId: Credentials!.AccessKeyId,
      secretAccessKey: Credentials!.SecretKey,
      sessionToken: Credentials!.SessionToken,
      expiration: Credentials!.Expiration,
      identityId: IdentityId,
      identityPoolId: membersPool,
      roleArn: authenticatedRole,
      amr: ["authenticated", provider, `${provider}:CognitoSignIn:${userA.sub}`],
    });
    expect(store.credentials(MOTO_FIXED_ACCESS_KEY)).toBeUndefined();
  });

  test.each([
    { case: "a token with one signature byte flipped", logins: () => ({ [provider]: withFlippedSignatureByte(userA.token) }), message: /Couldn't verify signed token/ },
    { case: "a token whose sub was changed to another user's", logins: () => ({ [provider]: withClaims(userA.token, { sub: userB.sub }) }), message: /Couldn't verify signed token/ },
    { case: "a token of another user pool, under this pool's key", logins: () => ({ [provider]: otherPoolToken }), message: /Issuer doesn't match providerName/ },
    { case: "a token of another user pool, under that pool's key (not a provider of the identity pool)", logins: () => ({ [otherProvider]: otherPoolToken }), message: /not from a supported provider/ },
    { case: "a token for an app client the identity pool does not list", logins: () => ({ [provider]: userA.tokenOfSecondClient }), message: /not from a supported provider/ },
    { case: "a provider the identity pool does not list", logins: () => ({ "accounts.google.com": userA.token }), message: /not from a supported provider/ },
    { case: "something that is not a JWT", logins: () => ({ [provider]: "not-a-token" }), message: /Not a valid OpenId Connect identity token/ },
  ])("GetId with $case is NotAuthorizedException", async ({ logins, message }) => {
    const error = await rejection(identity.send(new GetIdCommand({ IdentityPoolId: membersPool, Logins: logins() })));
    expect(error.name).toBe("NotAuthorizedException");
    expect(error.message).toMatch(message);
  });

  test("an expired token is NotAuthorizedException (the same handlers with a clock 2 h ahead, since moto's tokens last 1 h)", async () => {
    expect((await getId(membersPool, userA.token)).IdentityId).toMatch(IDENTITY_ID);
    const error = await rejection(lateIdentity.send(new GetIdCommand({ IdentityPoolId: membersPool, Logins: { [provider]: userA.token } })));
    expect(error.name).toBe("NotAuthorizedException");
    expect(error.message).toMatch(/Token expired/);
  });

  test("GetCredentialsForIdentity of a user's identity needs that user's token: another user's or none is NotAuthorizedException", async () => {
    const idA = (await getId(membersPool, userA.token)).IdentityId!;
    for (const attempt of [() => credentialsFor(idA, userB.token), () => credentialsFor(idA)]) {
      const error = await rejection(attempt());
      expect(error.name).toBe("NotAuthorizedException");
      expect(error.message).toMatch(/Logins don't match/);
    }
  });

  test("GetOpenIdToken of a user's identity needs that user's token, as GetCredentialsForIdentity does; a guest's needs none", async () => {
    const openIdToken = (IdentityId: string, token?: string) => identity.send(new GetOpenIdTokenCommand({ IdentityId, Logins: token === undefined ? undefined : { [provider]: token } }));
    const idA = (await getId(membersPool, userA.token)).IdentityId!;
    for (const attempt of [() => openIdToken(idA), () => openIdToken(idA, userB.token)]) {
      const error = await rejection(attempt());
      expect(error.name).toBe("NotAuthorizedException");
      expect(error.message).toMatch(/Logins don't match/);
    }
    const own = await openIdToken(idA, userA.token);
    expect(own.IdentityId).toBe(idA);
    expect(own.Token).toBeTruthy();

    const guest = (await getId(guestsPool)).IdentityId!;
    expect((await openIdToken(guest)).IdentityId).toBe(guest);
    expect((await rejection(openIdToken(`${REGION}:00000000-0000-0000-0000-000000000000`))).name).toBe("ResourceNotFoundException");
  });

  test("with guests off, GetId without Logins is NotAuthorizedException", async () => {
    const error = await rejection(getId(membersPool));
    expect(error.name).toBe("NotAuthorizedException");
    expect(error.message).toBe("Unauthenticated access is not supported for this identity pool.");
  });

  test("with guests on, GetId without Logins gives a guest identity whose credentials map to the unauthenticated role", async () => {
    const guest = (await getId(guestsPool)).IdentityId!;
    expect(guest).toMatch(IDENTITY_ID);
    expect((await getId(guestsPool)).IdentityId).not.toBe(guest); // as in AWS: each anonymous GetId is a new identity

    const { IdentityId, Credentials } = await credentialsFor(guest);
    expect(IdentityId).toBe(guest);
    expect(Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(store.credentials(Credentials!.AccessKeyId!)).toMatchObject({ identityId: guest, identityPoolId: guestsPool, roleArn: unauthenticatedRole, amr: ["unauthenticated"] });
  });

  test("a pool without roles attached gives InvalidIdentityPoolConfigurationException", async () => {
    const IdentityId = (await getId(rolelessPool, userA.token)).IdentityId!;
    const error = await rejection(credentialsFor(IdentityId, userA.token));
    expect(error.name).toBe("InvalidIdentityPoolConfigurationException");
  });

  test("an unknown pool or identity is ResourceNotFoundException", async () => {
    const unknown = `${REGION}:00000000-0000-0000-0000-000000000000`;
    expect((await rejection(getId(unknown, userA.token))).name).toBe("ResourceNotFoundException");
    expect((await rejection(credentialsFor(unknown, userA.token))).name).toBe("ResourceNotFoundException");
  });
});

describeWhen(missing("moto"))("local cloud: startLocalCloud answers GetId and GetCredentialsForIdentity itself", () => {
  let cloud: LocalCloud;

  afterAll(async () => {
    await cloud?.stop();
  }, 15_000);

  test("a signed-in user gets an ASIA key of their own, not moto's fixed pair", async () => {
    cloud = await startLocalCloud({ warmUp: false });
    const config = { endpoint: cloud.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
    const identity = new CognitoIdentityClient(config);
    const idp = new CognitoIdentityProviderClient(config);
    const iam = new IAMClient(config);
    try {
      const pool = await userPool(idp, "cloud-test-users");
      const { tokens } = await signedInUser(idp, pool.poolId, [pool.clientId], "c@example.com");
      const { IdentityPoolId } = await identity.send(
        new CreateIdentityPoolCommand({
          IdentityPoolName: "cloud_test",
          AllowUnauthenticatedIdentities: false,
          CognitoIdentityProviders: [{ ProviderName: pool.provider, ClientId: pool.clientId }],
        }),
      );
      await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: await role(iam, "cloud-test-authenticated") } }));
      const Logins = { [pool.provider]: tokens[0] };
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId, Logins }));
      expect((await identity.send(new GetIdCommand({ IdentityPoolId, Logins }))).IdentityId).toBe(IdentityId);
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins }));
      expect(Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    } finally {
      for (const client of [identity, idp, iam]) client.destroy();
    }
  }, 20_000);
});
