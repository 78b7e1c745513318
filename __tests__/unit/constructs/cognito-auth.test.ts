import { CognitoIdentityPool } from "@cdktf/provider-aws/lib/cognito-identity-pool";
import { CognitoIdentityPoolRolesAttachment } from "@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { TerraformOutput, Testing } from "cdktf";
import { CognitoAuth, CognitoAuthProps } from "../../../constructs/cognito-auth";
import { HttpApi, HttpApiProps } from "../../../constructs/http-api";
import { ValidationError } from "../../../constructs/validation";
import { bodyOf, parse, policyStatements, ref, resourcesOf } from "../../support/synthesized";

/** Synthesizes one CognitoAuth and returns it with the stack's JSON. */
function synthAuth(props: Partial<CognitoAuthProps> = {}): { auth: CognitoAuth; synth: string } {
  let auth!: CognitoAuth;
  const synth = Testing.synthScope((scope) => {
    auth = new CognitoAuth(scope, "Auth", { namePrefix: "app-dev", ...props });
  });
  return { auth, synth };
}

/** A route target as any Lambda function would present it. */
const fn = { functionName: "fn", invokeArn: "arn:aws:apigateway:us-east-1:lambda:path/fn" };

/** Synthesizes a CognitoAuth and an HttpApi of `routes` in one stack, after `grant` has run on them. */
function synthAuthAndApi(routes: HttpApiProps["routes"], grant: (auth: CognitoAuth, api: HttpApi) => void) {
  let auth!: CognitoAuth;
  let api!: HttpApi;
  const synth = Testing.synthScope((scope) => {
    auth = new CognitoAuth(scope, "Auth", { namePrefix: "app-dev" });
    api = new HttpApi(scope, "Api", { name: "app-dev-api", routes });
    grant(auth, api);
  });
  return { auth, api, synth };
}

/** The one trust policy statement of `role`. */
function trustStatement(synth: string, role: IamRole): Record<string, unknown> {
  const statements = policyStatements(synth, bodyOf(synth, role).assume_role_policy);
  expect(statements).toHaveLength(1);
  return statements[0];
}

describe("CognitoAuth defaults", () => {
  const { auth, synth } = synthAuth();
  const { userPoolClient, identityPool, authenticatedRole } = auth.resources;
  const userPool = auth.resources.userPool!;

  test("a user pool where users sign in with their email, verified automatically", () => {
    expect(synth).toHaveResourceWithProperties(CognitoUserPool, {
      name: "app-dev-users",
      username_attributes: ["email"],
      auto_verified_attributes: ["email"],
      deletion_protection: "INACTIVE",
    });
  });

  test("on the Lite tier, written out (unset, a new pool lands on Essentials); cdk.userPool may choose another", () => {
    expect(synth).toHaveResourceWithProperties(CognitoUserPool, { user_pool_tier: "LITE" });
    expect(synthAuth({ cdk: { userPool: { userPoolTier: "ESSENTIALS" } } }).synth).toHaveResourceWithProperties(CognitoUserPool, { user_pool_tier: "ESSENTIALS" });
  });

  test("a password policy of at least 8 characters with complexity, email recovery and optional TOTP MFA", () => {
    expect(synth).toHaveResourceWithProperties(CognitoUserPool, {
      password_policy: expect.objectContaining({
        minimum_length: 8,
        require_lowercase: true,
        require_uppercase: true,
        require_numbers: true,
        require_symbols: true,
      }),
      account_recovery_setting: { recovery_mechanism: [{ name: "verified_email", priority: 1 }] },
      mfa_configuration: "OPTIONAL",
      software_token_mfa_configuration: { enabled: true },
    });
  });

  test("a public app client of this pool without secret, with only the auth flows the app needs", () => {
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, {
      name: "app-dev-client",
      user_pool_id: ref(userPool, "id"),
      generate_secret: false,
      explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      prevent_user_existence_errors: "ENABLED",
    });
  });

  test("serverSideTokenCheck: false lets the identity pool skip the user pool's check of each token", () => {
    const { synth: unchecked } = synthAuth({ serverSideTokenCheck: false });
    expect(unchecked).toHaveResourceWithProperties(CognitoIdentityPool, { cognito_identity_providers: [expect.objectContaining({ server_side_token_check: false })] });
  });

  test("an identity pool bound to the user pool and its client, guests off", () => {
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPool, {
      identity_pool_name: "app_dev",
      allow_unauthenticated_identities: false,
      allow_classic_flow: false,
      cognito_identity_providers: [
        { provider_name: ref(userPool, "endpoint"), client_id: ref(userPoolClient, "id"), server_side_token_check: true },
      ],
    });
  });

  test("the authenticated role trusts only this identity pool (aud) and signed-in identities (amr)", () => {
    expect(trustStatement(synth, authenticatedRole)).toEqual({
      effect: "Allow",
      actions: ["sts:AssumeRoleWithWebIdentity"],
      principals: [{ type: "Federated", identifiers: ["cognito-identity.amazonaws.com"] }],
      condition: [
        { test: "StringEquals", variable: "cognito-identity.amazonaws.com:aud", values: [ref(identityPool, "id")] },
        { test: "ForAnyValue:StringLike", variable: "cognito-identity.amazonaws.com:amr", values: ["authenticated"] },
      ],
    });
  });

  test("one role only, attached to the identity pool as its authenticated role", () => {
    expect(Object.keys(resourcesOf(synth, "aws_iam_role"))).toHaveLength(1);
    expect(synth).toHaveResourceWithProperties(IamRole, { name: "app-dev-authenticated" });
    expect(auth.unauthenticatedRole).toBeUndefined();
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPoolRolesAttachment, {
      identity_pool_id: ref(identityPool, "id"),
      roles: { authenticated: ref(authenticatedRole, "arn") },
    });
  });

  test("the authenticated role has no permissions until some are attached", () => {
    expect(Object.keys(resourcesOf(synth, "aws_iam_role_policy"))).toHaveLength(0);
  });

  test("attributes reference the resources, as stack outputs show", () => {
    let outputs!: CognitoAuth;
    const withOutputs = Testing.synthScope((scope) => {
      outputs = new CognitoAuth(scope, "Auth", { namePrefix: "app-dev" });
      for (const name of ["userPoolId", "userPoolArn", "userPoolClientId", "identityPoolId"] as const) {
        new TerraformOutput(scope, name, { value: outputs[name] });
      }
    });
    const { userPoolClient: client, identityPool: identities } = outputs.resources;
    const pool = outputs.resources.userPool!;
    expect(parse(withOutputs).output).toEqual({
      userPoolId: { value: ref(pool, "id") },
      userPoolArn: { value: ref(pool, "arn") },
      userPoolClientId: { value: ref(client, "id") },
      identityPoolId: { value: ref(identities, "id") },
    });
    expect(auth.authenticatedRole).toBe(authenticatedRole);
  });
});

describe("CognitoAuth options", () => {
  test("deletionProtection protects the user pool", () => {
    expect(synthAuth({ deletionProtection: true }).synth).toHaveResourceWithProperties(CognitoUserPool, {
      deletion_protection: "ACTIVE",
    });
  });

  test("roleNamePrefix names both roles (one per region of an account); the user pool, client and identity pool keep namePrefix", () => {
    const { synth } = synthAuth({ allowGuestAccess: true, roleNamePrefix: "app-dev-euw1" });
    expect(Object.values(resourcesOf(synth, "aws_iam_role")).map((r) => r.name)).toEqual(["app-dev-euw1-authenticated", "app-dev-euw1-unauthenticated"]);
    expect(synth).toHaveResourceWithProperties(CognitoUserPool, { name: "app-dev-users" });
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, { name: "app-dev-client" });
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPool, { identity_pool_name: "app_dev" });
    for (const role of Object.values(resourcesOf(synth, "aws_iam_role"))) expect(role.lifecycle).toEqual({ create_before_destroy: true });
    expect(() => synthAuth({ roleNamePrefix: "a".repeat(49) })).toThrow(/^invalid role name prefix "a{49}": expected 1 to 48 characters of letters, digits and hyphens$/);
  });

  test("allowGuestAccess adds an unauthenticated role that trusts only unauthenticated identities of this pool", () => {
    const { auth, synth } = synthAuth({ allowGuestAccess: true });
    const { identityPool, unauthenticatedRole, authenticatedRole } = auth.resources;
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPool, { allow_unauthenticated_identities: true });
    expect(synth).toHaveResourceWithProperties(IamRole, { name: "app-dev-unauthenticated" });
    expect(trustStatement(synth, unauthenticatedRole!).condition).toEqual([
      { test: "StringEquals", variable: "cognito-identity.amazonaws.com:aud", values: [ref(identityPool, "id")] },
      { test: "ForAnyValue:StringLike", variable: "cognito-identity.amazonaws.com:amr", values: ["unauthenticated"] },
    ]);
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPoolRolesAttachment, {
      roles: { authenticated: ref(authenticatedRole, "arn"), unauthenticated: ref(unauthenticatedRole!, "arn") },
    });
  });

  test("attachPermissionsForAuthUsers grants the authenticated role invoke on the API's AWS_IAM routes only", () => {
    const { auth, api, synth } = synthAuthAndApi({ "GET /private": fn, "GET /public": { function: fn, authorizationType: "NONE" } }, (auth, api) =>
      auth.attachPermissionsForAuthUsers(api),
    );
    const policies = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policies).toHaveLength(1);
    expect(policies[0].role).toBe(ref(auth.authenticatedRole, "id"));
    expect(policyStatements(synth, policies[0].policy)).toEqual([
      {
        effect: "Allow",
        actions: ["execute-api:Invoke"],
        resources: [`${ref(api.resources.api, "execution_arn")}/*/GET/private`],
      },
    ]);
  });

  test("attachPermissionsForAuthUsers composes with direct grants to the same role: one policy, each route once", () => {
    const routes: HttpApiProps["routes"] = { "GET /private": fn, "GET /notes": fn, "GET /public": { function: fn, authorizationType: "NONE" } };
    const { auth, api, synth } = synthAuthAndApi(routes, (auth, api) => {
      api.grantInvoke(auth.authenticatedRole, "GET /notes");
      auth.attachPermissionsForAuthUsers(api);
      api.grantInvoke(auth.authenticatedRole, "GET /private");
    });
    const policies = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policies).toHaveLength(1);
    expect(policies[0].role).toBe(ref(auth.authenticatedRole, "id"));
    const executionArn = ref(api.resources.api, "execution_arn");
    expect(policyStatements(synth, policies[0].policy)).toEqual([
      { effect: "Allow", actions: ["execute-api:Invoke"], resources: [`${executionArn}/*/GET/notes`, `${executionArn}/*/GET/private`] },
    ]);
    expect(Object.keys(api.resources.grants)).toEqual(["Auth/AuthenticatedRole"]);
  });

  test("with guests on, granting signed-in users leaves guests with nothing on the API", () => {
    let auth!: CognitoAuth;
    const synth = Testing.synthScope((scope) => {
      auth = new CognitoAuth(scope, "Auth", { namePrefix: "app-dev", allowGuestAccess: true });
      auth.attachPermissionsForAuthUsers(new HttpApi(scope, "Api", { name: "app-dev-api", routes: { "GET /private": fn } }));
    });
    const roles = Object.values(resourcesOf(synth, "aws_iam_role_policy")).map((policy) => policy.role);
    expect(roles).toEqual([ref(auth.authenticatedRole, "id")]);
    expect(roles).not.toContain(ref(auth.unauthenticatedRole!, "id"));
  });

  test("attachPermissionsForUnauthUsers grants the guest role", () => {
    let auth!: CognitoAuth;
    const synth = Testing.synthScope((scope) => {
      auth = new CognitoAuth(scope, "Auth", { namePrefix: "app-dev", allowGuestAccess: true });
      auth.attachPermissionsForUnauthUsers(new HttpApi(scope, "Api", { name: "app-dev-api", routes: { "GET /guest": fn } }));
    });
    const policies = Object.values(resourcesOf(synth, "aws_iam_role_policy"));
    expect(policies.map((policy) => policy.role)).toEqual([ref(auth.unauthenticatedRole!, "id")]);
  });
});

describe("CognitoAuth escape hatches and federation", () => {
  test("existingUserPoolId: no new pool; the client and identity pool use the existing one", () => {
    const { auth, synth } = synthAuth({ existingUserPoolId: "us-east-1_Shared123" });
    const existing = auth.resources.existingUserPool!;
    expect(auth.resources.userPool).toBeUndefined();
    expect(synth).not.toHaveResource(CognitoUserPool);
    expect(bodyOf(synth, existing)).toEqual({ user_pool_id: "us-east-1_Shared123" });
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, { user_pool_id: ref(existing, "user_pool_id") });
    const [provider] = bodyOf(synth, auth.resources.identityPool).cognito_identity_providers as Array<{ provider_name: string }>;
    expect(provider.provider_name).toMatch(/^cognito-idp\.\$\{element\(split\("_", data\.aws_cognito_user_pool\.\w+\.user_pool_id\), 0\)\}\.amazonaws\.com\/\$\{data\.aws_cognito_user_pool\.\w+\.user_pool_id\}$/);
  });

  test("federation maps each provider to the identity pool's login providers; signed-in users of all get the same role", () => {
    const { auth, synth } = synthAuth({
      federation: {
        google: { clientId: "g-client" },
        facebook: { appId: "fb-app" },
        apple: { servicesId: "com.example.app" },
        amazon: { appId: "amzn-app" },
        twitter: { consumerKey: "tw-key", consumerSecret: "tw-secret" },
        oidcProviderArns: ["arn:aws:iam::123456789012:oidc-provider/example.auth0.com"],
      },
    });
    expect(bodyOf(synth, auth.resources.identityPool)).toMatchObject({
      supported_login_providers: {
        "accounts.google.com": "g-client",
        "graph.facebook.com": "fb-app",
        "appleid.apple.com": "com.example.app",
        "www.amazon.com": "amzn-app",
        "api.twitter.com": "tw-key;tw-secret",
      },
      openid_connect_provider_arns: ["arn:aws:iam::123456789012:oidc-provider/example.auth0.com"],
    });
    expect(Object.keys(resourcesOf(synth, "aws_iam_role"))).toHaveLength(1);
  });

  test("without federation the identity pool accepts the user pool only", () => {
    const { auth, synth } = synthAuth();
    const body = bodyOf(synth, auth.resources.identityPool);
    expect(body.supported_login_providers).toBeUndefined();
    expect(body.openid_connect_provider_arns).toBeUndefined();
  });

  test("cdk settings the construct only defaults pass through, the client's auth flows among them", () => {
    const { synth } = synthAuth({ cdk: { userPoolClient: { explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] } } });
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, { explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] });
  });

  test("cdk overrides win over the construct's settings", () => {
    const { synth } = synthAuth({
      cdk: {
        userPool: { mfaConfiguration: "ON" },
        userPoolClient: { refreshTokenValidity: 7 },
        identityPool: { allowClassicFlow: true },
      },
    });
    expect(synth).toHaveResourceWithProperties(CognitoUserPool, { mfa_configuration: "ON", username_attributes: ["email"] });
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, { refresh_token_validity: 7, generate_secret: false });
    expect(synth).toHaveResourceWithProperties(CognitoIdentityPool, { allow_classic_flow: true });
  });
});

describe("CognitoAuth validation", () => {
  test("attachPermissionsForUnauthUsers refuses when guest access is off", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new CognitoAuth(scope, "Auth", { namePrefix: "app-dev" }).attachPermissionsForUnauthUsers();
      }),
    ).toThrow(/guest access is off; set allowGuestAccess: true/);
  });

  test.each([
    ["", /invalid name prefix ""/],
    ["app_dev", /invalid name prefix "app_dev": expected 1 to 48 characters of letters, digits and hyphens/],
    ["a".repeat(49), /invalid name prefix "a{49}"/],
  ])("rejects the name prefix %j", (namePrefix, message) => {
    expect(() => synthAuth({ namePrefix })).toThrow(message);
  });

  test("refuses settings of a new user pool together with an existing one", () => {
    expect(() => synthAuth({ existingUserPoolId: "us-east-1_Shared123", deletionProtection: true })).toThrow(
      'deletionProtection, email and cdk.userPool configure a new user pool: with existingUserPoolId "us-east-1_Shared123", set them where that pool is defined',
    );
    expect(() => synthAuth({ existingUserPoolId: "us-east-1_Shared123", cdk: { userPool: { mfaConfiguration: "ON" } } })).toThrow(/cdk.userPool/);
  });

  test.each([
    [{ userPool: { name: "other" } }, "cannot set cdk.userPool.name: the construct derives it from namePrefix; set namePrefix instead"],
    [{ userPool: { deletionProtection: "ACTIVE" } }, "cannot set cdk.userPool.deletionProtection: the construct derives it from deletionProtection; set deletionProtection instead"],
    [{ userPoolClient: { name: "other" } }, "cannot set cdk.userPoolClient.name: the construct derives it from namePrefix; set namePrefix instead"],
    [{ userPoolClient: { userPoolId: "us-east-1_Other1" } }, "cannot set cdk.userPoolClient.userPoolId: the construct derives it from existingUserPoolId; set existingUserPoolId instead"],
    [{ identityPool: { identityPoolName: "other" } }, "cannot set cdk.identityPool.identityPoolName: the construct derives it from namePrefix; set namePrefix instead"],
    [
      { identityPool: { allowUnauthenticatedIdentities: true } },
      "cannot set cdk.identityPool.allowUnauthenticatedIdentities: the construct derives it from allowGuestAccess; set allowGuestAccess instead",
    ],
    [
      { identityPool: { cognitoIdentityProviders: [] } },
      "cannot set cdk.identityPool.cognitoIdentityProviders: the construct fixes it to its user pool and app client; set existingUserPoolId for another user pool, or federation for other sign-in providers",
    ],
    [
      { identityPool: { supportedLoginProviders: { "accounts.google.com": "id" } } },
      "cannot set cdk.identityPool.supportedLoginProviders: the construct derives it from federation; set federation instead",
    ],
    [
      { identityPool: { openidConnectProviderArns: ["arn:aws:iam::123456789012:oidc-provider/example.com"] } },
      "cannot set cdk.identityPool.openidConnectProviderArns: the construct derives it from federation; set federation instead",
    ],
  ] as Array<[CognitoAuthProps["cdk"], string]>)("refuses the override %j, naming the prop to set instead", (cdk, message) => {
    expect(() => synthAuth({ cdk })).toThrow(ValidationError);
    expect(() => synthAuth({ cdk })).toThrow(message);
  });

  test("rejects a malformed existing user pool id", () => {
    expect(() => synthAuth({ existingUserPoolId: "pool-123" })).toThrow(
      'invalid existing user pool id "pool-123": expected <region>_<id>, such as us-east-1_AbC123xyZ',
    );
  });
});

describe("CognitoAuth email sender", () => {
  const SES = "arn:aws:ses:us-east-1:123456789012:identity/example.com";

  test("by default Cognito's own sender: no email_configuration is written", () => {
    const { auth, synth } = synthAuth();
    expect(bodyOf(synth, auth.resources.userPool!).email_configuration).toBeUndefined();
  });

  test("email sends through the SES identity (DEVELOPER), from its address, with reply-to and configuration set", () => {
    const { auth, synth } = synthAuth({ email: { sesIdentityArn: SES, from: "Example <no-reply@example.com>", replyTo: "support@example.com", configurationSet: "auth-mail" } });
    expect(bodyOf(synth, auth.resources.userPool!).email_configuration).toEqual({
      email_sending_account: "DEVELOPER",
      source_arn: SES,
      from_email_address: "Example <no-reply@example.com>",
      reply_to_email_address: "support@example.com",
      configuration_set: "auth-mail",
    });
  });

  test.each([
    [{ sesIdentityArn: "arn:aws:ses:us-east-1:123:identity/example.com", from: "a@example.com" }, /^invalid SES identity ARN "arn:aws:ses:us-east-1:123:identity\/example.com": expected arn:<partition>:ses:<region>:<12-digit account>:identity\//],
    [{ sesIdentityArn: SES, from: "not an address" }, /^invalid email sender "not an address": expected an email address or a name and address/],
    [{ sesIdentityArn: SES, from: "a@other.org" }, /^email sender "a@other.org" is not an address of the SES identity example.com/],
    [{ sesIdentityArn: SES, from: "a@example.com", replyTo: "nope" }, /^invalid reply-to address "nope"/],
    [{ sesIdentityArn: SES, from: "a@example.com", configurationSet: "bad set!" }, /^invalid SES configuration set "bad set!"/],
  ])("refuses %p with one message naming it", (email, message) => {
    expect(() => synthAuth({ email })).toThrow(ValidationError);
    expect(() => synthAuth({ email })).toThrow(message);
  });

  test("with email, cdk.userPool.emailConfiguration is refused; without, it passes through", () => {
    const emailConfiguration = { emailSendingAccount: "COGNITO_DEFAULT" };
    expect(() => synthAuth({ email: { sesIdentityArn: SES, from: "a@example.com" }, cdk: { userPool: { emailConfiguration } } })).toThrow(/cdk\.userPool\.emailConfiguration.*email/);
    const { auth, synth } = synthAuth({ cdk: { userPool: { emailConfiguration } } });
    expect(bodyOf(synth, auth.resources.userPool!).email_configuration).toEqual({ email_sending_account: "COGNITO_DEFAULT" });
  });
});

describe("CognitoAuth protection from terraform destroy", () => {
  const preventDestroyOf = (synth: string, auth: CognitoAuth) => ({
    userPool: (bodyOf(synth, auth.resources.userPool!).lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy,
    identityPool: (bodyOf(synth, auth.resources.identityPool).lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy,
  });

  test("deletionProtection also sets prevent_destroy on the user pool and the identity pool; off by default", () => {
    const off = synthAuth();
    expect(preventDestroyOf(off.synth, off.auth)).toEqual({ userPool: undefined, identityPool: undefined });
    const on = synthAuth({ deletionProtection: true });
    expect(preventDestroyOf(on.synth, on.auth)).toEqual({ userPool: true, identityPool: true });
    expect(bodyOf(on.synth, on.auth.resources.userPool!).deletion_protection).toBe("ACTIVE");
  });

  test("preventDestroy may be set on its own, either way", () => {
    const only = synthAuth({ preventDestroy: true });
    expect(preventDestroyOf(only.synth, only.auth)).toEqual({ userPool: true, identityPool: true });
    const lifted = synthAuth({ deletionProtection: true, preventDestroy: false });
    expect(preventDestroyOf(lifted.synth, lifted.auth)).toEqual({ userPool: undefined, identityPool: undefined });
  });

  test("an escape hatch's lifecycle is kept beside prevent_destroy, and may not lift it", () => {
    const { auth, synth } = synthAuth({ deletionProtection: true, cdk: { identityPool: { lifecycle: { ignoreChanges: ["tags"] } } } });
    expect(bodyOf(synth, auth.resources.identityPool).lifecycle).toEqual({ ignore_changes: ["tags"], prevent_destroy: true });
    expect(() => synthAuth({ deletionProtection: true, cdk: { userPool: { lifecycle: { preventDestroy: false } } } })).toThrow(
      /^cannot set cdk\.userPool\.lifecycle\.preventDestroy to false: .*set preventDestroy: false instead$/,
    );
  });
});

describe("CognitoAuth permissionsBoundary", () => {
  const BOUNDARY = "arn:aws:iam::123456789012:policy/api-auth-cognito-ci-boundary";

  test("defaults to none: the identity pool's roles have no permissions boundary", () => {
    const { auth, synth } = synthAuth({ allowGuestAccess: true });
    expect(bodyOf(synth, auth.authenticatedRole).permissions_boundary).toBeUndefined();
    expect(bodyOf(synth, auth.unauthenticatedRole!).permissions_boundary).toBeUndefined();
  });

  test("bounds the authenticated and the guest role", () => {
    const { auth, synth } = synthAuth({ allowGuestAccess: true, permissionsBoundary: BOUNDARY });
    expect(bodyOf(synth, auth.authenticatedRole).permissions_boundary).toBe(BOUNDARY);
    expect(bodyOf(synth, auth.unauthenticatedRole!).permissions_boundary).toBe(BOUNDARY);
  });

  test("refuses anything but an IAM policy ARN, with one line", () => {
    expect(() => synthAuth({ permissionsBoundary: "arn:aws:iam::123456789012:user/x" })).toThrow(
      /^invalid permissions boundary "arn:aws:iam::123456789012:user\/x": expected an IAM policy ARN/,
    );
    expect(() => synthAuth({ permissionsBoundary: "x" })).toThrow(ValidationError);
  });
});
