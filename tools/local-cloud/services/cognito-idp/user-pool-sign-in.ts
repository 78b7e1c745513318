import { createHmac, randomBytes } from "node:crypto";
import { AwsError, AwsJsonRequest, AwsResponse, describe, Handler, HandlerContext, isJsonObject, jsonResponse, parseJsonObject } from "../../protocol/aws-json";
import { isSrpTimestamp, isValidClientValue, PasswordVerifier, passwordVerifier, ServerValues, serverValues, srpPoolName, verifyPasswordClaim } from "./cognito-srp";
import { errorOf, invalid, stringParameter, tokenClaims, userPoolOfClaims } from "./user-pool-requests";
import { AppClient, appClientDirectory, callUserPools, findUser, MotoScope, regionOfUserPool, USER_POOL_SERVICE } from "./user-pools";
import type { KeptStore } from "../../state/kept-store";

/**
 * User pool sign-in as Cognito answers it, where moto 5.2 does not: moto fakes `USER_SRP_AUTH` (random `SALT` and
 * `SRP_B`, any `PASSWORD_CLAIM_SIGNATURE` accepted, getmoto/moto#7562), so every SRP client (Amplify,
 * amazon-cognito-identity-js) signs in with any password; and it ignores an app client's
 * `PreventUserExistenceErrors`. Here the front keeps an SRP verifier per user, made from each password that passes
 * through it and that moto accepted (never the password), runs the SRP exchange itself, and only when the proof
 * holds asks moto for the tokens (through moto's own SRP operations, so MFA and other challenges stay moto's).
 */

/** Cognito's answer to a wrong password, and, with `PreventUserExistenceErrors`, to an unknown user. */
export const INCORRECT_USERNAME_OR_PASSWORD = "Incorrect username or password.";

/** How long an SRP challenge may be answered: the default `AuthSessionValidity` of an app client, 3 minutes. */
const CHALLENGE_LIFETIME_MS = 3 * 60 * 1000;

/** Bytes of a `SECRET_BLOCK`: opaque to clients, which sign it. */
const SECRET_BLOCK_BYTES = 64;

/** One `USER_SRP_AUTH` sign-in between `InitiateAuth` and the `PASSWORD_VERIFIER` answer. */
interface PendingChallenge {
  readonly clientId: string;
  readonly userPoolId: string;
  /** The access key whose account holds the pool. */
  readonly accessKeyId: string;
  /** The `USER_ID_FOR_SRP` sent: the user's username. */
  readonly username: string;
  /** The `USERNAME` the client signed in with (may be an alias): moto words the tokens' claims after it. */
  readonly usernameOrAlias: string;
  readonly clientValue: string;
  readonly verifier: PasswordVerifier;
  readonly server: ServerValues;
  readonly session: string;
  readonly expires: number;
  /** moto's `SECRET_BLOCK`, redeemed for the tokens once the proof holds; absent for a simulated (unknown) user. */
  readonly motoSecretBlock?: string;
}

/**
 * The SRP state of one local cloud, in memory: a verifier per (user pool, username), and the pending challenges.
 * The passwords themselves are never kept.
 */
/**
 * What a {@link UserPoolSignInStore} keeps: the verifiers by user, and the key of unknown users' simulated salts (so
 * they stay the same across restarts, as in Cognito). Challenges under way are not kept: they last minutes.
 */
export interface SavedSignIn {
  readonly verifiers: ReadonlyArray<readonly [string, PasswordVerifier]>;
  readonly simulationKey: Buffer;
}

export class UserPoolSignInStore implements KeptStore<SavedSignIn> {
  private readonly verifiers = new Map<string, PasswordVerifier>();
  private readonly challenges = new Map<string, PendingChallenge>();
  /** Keys the simulated salts and ids of unknown users, so that they are stable per username, as in Cognito. */
  private simulationKey: Buffer = randomBytes(32);

  save(): SavedSignIn {
    return { verifiers: [...this.verifiers], simulationKey: this.simulationKey };
  }

  restore(saved: SavedSignIn): void {
    this.verifiers.clear();
    for (const [user, verifier] of saved.verifiers) this.verifiers.set(user, verifier);
    this.simulationKey = saved.simulationKey;
  }

  /** Remembers the verifier of a password that moto accepted for a user. */
  rememberPassword(userPoolId: string, username: string, password: string): void {
    this.verifiers.set(key(userPoolId, username), passwordVerifier(srpPoolName(userPoolId), username, password));
  }

  /** Forgets a user's verifier (the user was deleted, or their password is no longer known to the front). */
  forget(userPoolId: string, username: string): void {
    this.verifiers.delete(key(userPoolId, username));
  }

  /** The verifier of a user; `undefined` when no password of theirs has passed through the front. */
  verifier(userPoolId: string, username: string): PasswordVerifier | undefined {
    return this.verifiers.get(key(userPoolId, username));
  }

  /** Opens a challenge (drawing the server's b and B) under a fresh `SECRET_BLOCK`, and drops expired ones. */
  open(challenge: Omit<PendingChallenge, "server" | "session" | "expires">): { secretBlock: string; pending: PendingChallenge } {
    const now = Date.now();
    for (const [block, pending] of this.challenges) if (pending.expires <= now) this.challenges.delete(block);
    const secretBlock = randomBytes(SECRET_BLOCK_BYTES).toString("base64");
    const pending = { ...challenge, server: serverValues(challenge.verifier), session: randomBytes(48).toString("base64url"), expires: now + CHALLENGE_LIFETIME_MS };
    this.challenges.set(secretBlock, pending);
    return { secretBlock, pending };
  }

  /** Takes a challenge by its `SECRET_BLOCK`: each may be answered once. */
  take(secretBlock: string): PendingChallenge | undefined {
    const pending = this.challenges.get(secretBlock);
    this.challenges.delete(secretBlock);
    return pending && pending.expires > Date.now() ? pending : undefined;
  }

  /** A user that does not exist, as Cognito simulates one: salt and UUID stable per pool and username, a verifier nobody can match. */
  simulatedUser(userPoolId: string, username: string): { username: string; verifier: PasswordVerifier } {
    const digest = createHmac("sha256", this.simulationKey).update(key(userPoolId, username)).digest();
    const hex = digest.subarray(0, 16).toString("hex");
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    const verifier = passwordVerifier(srpPoolName(userPoolId), uuid, randomBytes(32).toString("hex"), digest.subarray(16, 32));
    return { username: uuid, verifier };
  }
}

function key(userPoolId: string, username: string): string {
  return JSON.stringify([userPoolId, username]);
}

/**
 * The handlers of sign-in and of every operation that sets a password, keyed by `X-Amz-Target`, backed by `store`.
 * Operations that only need moto's answer forward the request unchanged and record what succeeded.
 */
export function userPoolSignInHandlers(store: UserPoolSignInStore): Record<string, Handler> {
  const clientOf = (context: HandlerContext, clientId: string, scope: MotoScope) => appClientDirectory(context.moto).client(clientId, scope);

  /** Records the verifier of a password moto accepted; the user may be named by an alias. */
  async function remember(context: HandlerContext, accessKeyId: string, userPoolId: string, usernameOrAlias: string, password: string): Promise<void> {
    const user = await findUser(context.moto, accessKeyId, userPoolId, usernameOrAlias);
    if (user) store.rememberPassword(userPoolId, user.username, password);
  }

  /** Whether the app client of a request hides unknown users (looked up only when an answer would reveal one). */
  async function hidesUsers(request: AwsJsonRequest, context: HandlerContext, input: Record<string, unknown>): Promise<boolean> {
    if (typeof input.ClientId !== "string") return false;
    return (await clientOf(context, input.ClientId, scopeOf(request, input))).preventUserExistenceErrors;
  }

  /** Forwards the request; answers `UserNotFoundException` with `replacement` when the client hides unknown users. */
  async function forwardHidingUsers(request: AwsJsonRequest, context: HandlerContext, input: Record<string, unknown>, replacement: AwsError): Promise<AwsResponse> {
    const response = await context.forward();
    if (errorOf(response)?.type === "UserNotFoundException" && (await hidesUsers(request, context, input))) throw replacement;
    return response;
  }

  /** `InitiateAuth` / `AdminInitiateAuth` with `USER_SRP_AUTH`: the real first step of SRP. */
  async function startSrp(request: AwsJsonRequest, context: HandlerContext, input: Record<string, unknown>): Promise<AwsResponse> {
    const clientId = stringParameter(input, "ClientId");
    const parameters = isJsonObject(input.AuthParameters) ? input.AuthParameters : {};
    const usernameOrAlias = stringParameter(parameters, "USERNAME", "AuthParameters.USERNAME");
    const clientValue = stringParameter(parameters, "SRP_A", "AuthParameters.SRP_A");
    if (!isValidClientValue(clientValue)) throw invalid(`AuthParameters.SRP_A must be a hex number that is not 0 mod N, got ${describe(clientValue.slice(0, 40))}`);
    const scope = scopeOf(request, input);
    const client = await clientOf(context, clientId, scope);
    if (input.UserPoolId !== undefined && input.UserPoolId !== client.userPoolId) {
      throw new AwsError(400, "ResourceNotFoundException", `User pool client ${clientId} does not exist in ${String(input.UserPoolId)}.`);
    }

    // moto checks the user (exists, enabled, confirmed) and the secret hash, and opens the session redeemed later.
    let motoChallenge: Record<string, unknown>;
    try {
      motoChallenge = await callUserPools(context.moto, scope, "InitiateAuth", { ClientId: clientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: parameters });
    } catch (error) {
      if (error instanceof AwsError && error.type === "UserNotFoundException" && client.preventUserExistenceErrors) {
        // As Cognito does: a simulated challenge now, "Incorrect username or password." at the proof.
        const simulated = store.simulatedUser(client.userPoolId, usernameOrAlias);
        return challengeResponse(store.open({ clientId, userPoolId: client.userPoolId, accessKeyId: client.accessKeyId, username: simulated.username, usernameOrAlias, clientValue, verifier: simulated.verifier }));
      }
      throw error;
    }
    const challengeParameters = isJsonObject(motoChallenge.ChallengeParameters) ? motoChallenge.ChallengeParameters : {};
    const username = String(challengeParameters.USERNAME);
    const verifier = store.verifier(client.userPoolId, username);
    if (!verifier) throw new AwsError(400, "NotAuthorizedException", noVerifier(request, client, username));
    return challengeResponse(
      store.open({ clientId, userPoolId: client.userPoolId, accessKeyId: client.accessKeyId, username, usernameOrAlias, clientValue, verifier, motoSecretBlock: String(challengeParameters.SECRET_BLOCK) }),
    );
  }

  /** `RespondToAuthChallenge` / `AdminRespondToAuthChallenge` with `PASSWORD_VERIFIER`: the proof, checked. */
  async function verifySrp(request: AwsJsonRequest, context: HandlerContext, input: Record<string, unknown>): Promise<AwsResponse> {
    const clientId = stringParameter(input, "ClientId");
    const responses = isJsonObject(input.ChallengeResponses) ? input.ChallengeResponses : {};
    const secretBlock = stringParameter(responses, "PASSWORD_CLAIM_SECRET_BLOCK", "ChallengeResponses.PASSWORD_CLAIM_SECRET_BLOCK");
    const signature = stringParameter(responses, "PASSWORD_CLAIM_SIGNATURE", "ChallengeResponses.PASSWORD_CLAIM_SIGNATURE");
    const timestamp = stringParameter(responses, "TIMESTAMP", "ChallengeResponses.TIMESTAMP");
    const username = stringParameter(responses, "USERNAME", "ChallengeResponses.USERNAME");
    if (!isSrpTimestamp(timestamp)) throw invalid(`ChallengeResponses.TIMESTAMP must be "ddd MMM D HH:mm:ss UTC YYYY" (e.g. "Tue Dec 1 23:41:04 UTC 2026"), got ${describe(timestamp)}`);

    const pending = store.take(secretBlock);
    if (!pending || pending.clientId !== clientId || (input.Session !== undefined && input.Session !== pending.session)) {
      throw new AwsError(400, "NotAuthorizedException", "Invalid session for the user, session is expired.");
    }
    const claim = { poolName: srpPoolName(pending.userPoolId), userIdForSrp: pending.username, verifier: pending.verifier, clientValue: pending.clientValue, server: pending.server, secretBlock, timestamp };
    if (!pending.motoSecretBlock || username !== pending.username || !verifyPasswordClaim(claim, signature)) {
      throw new AwsError(400, "NotAuthorizedException", INCORRECT_USERNAME_OR_PASSWORD);
    }
    // Proven: moto's own PASSWORD_VERIFIER (which accepts any signature) issues the tokens or the next challenge.
    const answer = await callUserPools(context.moto, scopeOf(request, input), "RespondToAuthChallenge", {
      ClientId: clientId,
      ChallengeName: "PASSWORD_VERIFIER",
      ChallengeResponses: { ...responses, USERNAME: pending.usernameOrAlias, PASSWORD_CLAIM_SECRET_BLOCK: pending.motoSecretBlock, PASSWORD_CLAIM_SIGNATURE: "verified-by-the-local-cloud" },
    });
    return jsonResponse(answer.ChallengeName === "NEW_PASSWORD_REQUIRED" ? await withUserAttributes(context, pending, answer) : answer);
  }

  /**
   * moto's NEW_PASSWORD_REQUIRED names only the user; Cognito also sends `userAttributes` and `requiredAttributes`
   * (JSON strings), which amazon-cognito-identity-js parses before it calls `newPasswordRequired`.
   */
  async function withUserAttributes(context: HandlerContext, pending: PendingChallenge, answer: Record<string, unknown>): Promise<Record<string, unknown>> {
    const user = await callUserPools(context.moto, { accessKeyId: pending.accessKeyId, region: regionOfUserPool(pending.userPoolId) }, "AdminGetUser", {
      UserPoolId: pending.userPoolId,
      Username: pending.username,
    });
    const attributes = Array.isArray(user.UserAttributes) ? (user.UserAttributes as Array<{ Name: string; Value: string }>) : [];
    const userAttributes = Object.fromEntries(attributes.filter((attribute) => attribute.Name !== "sub").map((attribute) => [attribute.Name, attribute.Value]));
    const parameters = isJsonObject(answer.ChallengeParameters) ? answer.ChallengeParameters : {};
    return {
      ...answer,
      ChallengeParameters: { USER_ID_FOR_SRP: pending.username, userAttributes: JSON.stringify(userAttributes), requiredAttributes: "[]", ...parameters },
    };
  }

  const initiateAuth: Handler = async (request, context) => {
    const input = parseJsonObject(request.body);
    if (input.AuthFlow === "USER_SRP_AUTH") return startSrp(request, context, input);
    const incorrect = new AwsError(400, "NotAuthorizedException", INCORRECT_USERNAME_OR_PASSWORD);
    const response = await forwardHidingUsers(request, context, input, incorrect);
    // moto words a wrong password of the ADMIN_* flows as the username alone; Cognito as for every other flow.
    const error = errorOf(response);
    const username = isJsonObject(input.AuthParameters) ? input.AuthParameters.USERNAME : undefined;
    if (error?.type === "NotAuthorizedException" && error.message === username) throw incorrect;
    return response;
  };

  const respondToAuthChallenge: Handler = async (request, context) => {
    const input = parseJsonObject(request.body);
    if (input.ChallengeName === "PASSWORD_VERIFIER") return verifySrp(request, context, input);
    const response = await forwardHidingUsers(request, context, input, new AwsError(400, "NotAuthorizedException", INCORRECT_USERNAME_OR_PASSWORD));
    const responses = isJsonObject(input.ChallengeResponses) ? input.ChallengeResponses : {};
    if (input.ChallengeName === "NEW_PASSWORD_REQUIRED" && response.status === 200 && typeof responses.NEW_PASSWORD === "string" && typeof responses.USERNAME === "string") {
      const userPoolId = typeof input.UserPoolId === "string" ? input.UserPoolId : (await clientOf(context, stringParameter(input, "ClientId"), scopeOf(request, input))).userPoolId;
      await remember(context, request.accessKeyId, userPoolId, responses.USERNAME, responses.NEW_PASSWORD);
    }
    return response;
  };

  return {
    [`${USER_POOL_SERVICE}.InitiateAuth`]: initiateAuth,
    [`${USER_POOL_SERVICE}.AdminInitiateAuth`]: initiateAuth,
    [`${USER_POOL_SERVICE}.RespondToAuthChallenge`]: respondToAuthChallenge,
    [`${USER_POOL_SERVICE}.AdminRespondToAuthChallenge`]: respondToAuthChallenge,

    [`${USER_POOL_SERVICE}.SignUp`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const response = await context.forward();
      if (response.status === 200 && typeof input.Password === "string" && typeof input.Username === "string") {
        const client = await clientOf(context, stringParameter(input, "ClientId"), scopeOf(request, input));
        await remember(context, client.accessKeyId, client.userPoolId, input.Username, input.Password);
      }
      return response;
    },

    [`${USER_POOL_SERVICE}.AdminCreateUser`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const response = await context.forward();
      if (response.status !== 200 || typeof input.UserPoolId !== "string") return response;
      const created = JSON.parse(response.body.toString("utf8")) as { User?: { Username?: string } };
      const username = created.User?.Username;
      if (!username) return response;
      // Without a TemporaryPassword moto draws one the front never sees: a verifier of an earlier user of that name must go.
      if (typeof input.TemporaryPassword === "string") store.rememberPassword(input.UserPoolId, username, input.TemporaryPassword);
      else store.forget(input.UserPoolId, username);
      return response;
    },

    [`${USER_POOL_SERVICE}.AdminSetUserPassword`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const response = await context.forward();
      if (response.status === 200 && typeof input.UserPoolId === "string" && typeof input.Username === "string" && typeof input.Password === "string") {
        await remember(context, request.accessKeyId, input.UserPoolId, input.Username, input.Password);
      }
      return response;
    },

    [`${USER_POOL_SERVICE}.ChangePassword`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const response = await context.forward();
      if (response.status !== 200 || typeof input.AccessToken !== "string" || typeof input.ProposedPassword !== "string") return response;
      // moto accepted the token, so its claims name the pool; GetUser names the user.
      const userPoolId = userPoolOfClaims(tokenClaims(input.AccessToken));
      const user = await callUserPools(context.moto, scopeOf(request, input), "GetUser", { AccessToken: input.AccessToken });
      if (userPoolId) store.rememberPassword(userPoolId, String(user.Username), input.ProposedPassword);
      return response;
    },

    [`${USER_POOL_SERVICE}.ConfirmForgotPassword`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const client = await clientOf(context, stringParameter(input, "ClientId"), scopeOf(request, input));
      const user = await findUser(context.moto, client.accessKeyId, client.userPoolId, stringParameter(input, "Username"));
      // moto answers an unknown user with ResourceNotFoundException; Cognito as documented for each setting.
      if (!user && !client.preventUserExistenceErrors) throw new AwsError(400, "UserNotFoundException", "Username/client id combination not found.");
      if ((!user || !user.enabled) && client.preventUserExistenceErrors) throw codeMismatch();
      const response = await context.forward();
      if (response.status === 200 && user && typeof input.Password === "string") store.rememberPassword(client.userPoolId, user.username, input.Password);
      return response;
    },

    [`${USER_POOL_SERVICE}.ConfirmSignUp`]: async (request, context) => forwardHidingUsers(request, context, parseJsonObject(request.body), codeMismatch()),

    [`${USER_POOL_SERVICE}.AdminDeleteUser`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const userPoolId = stringParameter(input, "UserPoolId");
      const user = await findUser(context.moto, request.accessKeyId, userPoolId, stringParameter(input, "Username"));
      const response = await context.forward();
      if (response.status === 200 && user) store.forget(userPoolId, user.username);
      return response;
    },
  };
}

/** The `PASSWORD_VERIFIER` challenge of a sign-in, as Cognito sends it. */
function challengeResponse({ secretBlock, pending }: { secretBlock: string; pending: PendingChallenge }): AwsResponse {
  return jsonResponse({
    ChallengeName: "PASSWORD_VERIFIER",
    Session: pending.session,
    ChallengeParameters: {
      SALT: pending.verifier.salt,
      SRP_B: pending.server.publicB,
      SECRET_BLOCK: secretBlock,
      USER_ID_FOR_SRP: pending.username,
      USERNAME: pending.username,
    },
  });
}

/** What to say when a user's password never passed through the front (the user was made behind its back). */
function noVerifier(request: AwsJsonRequest, client: AppClient, username: string): string {
  const endpoint = `http://${request.headers.host ?? "<local cloud endpoint>"}`;
  return (
    `The local cloud has no password verifier for user "${username}" of user pool ${client.userPoolId}: it learns a password only when one passes ` +
    `through its front (SignUp, AdminCreateUser, AdminSetUserPassword, ChangePassword, ConfirmForgotPassword, NEW_PASSWORD_REQUIRED). ` +
    `Set one with: aws --endpoint-url ${endpoint} cognito-idp admin-set-user-password --user-pool-id ${client.userPoolId} --username ${username} --password <password> --permanent`
  );
}

/** The account and region to ask moto in: the caller's key, and the pool's region when the request names a pool. */
function scopeOf(request: AwsJsonRequest, input: Record<string, unknown>): MotoScope {
  return { accessKeyId: request.accessKeyId, region: typeof input.UserPoolId === "string" ? regionOfUserPool(input.UserPoolId) : request.region };
}

/** Cognito's answer to a confirmation code for a user it will not reveal. */
function codeMismatch(): AwsError {
  return new AwsError(400, "CodeMismatchException", "Invalid verification code provided, please try again.");
}
