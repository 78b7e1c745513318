import { randomBytes } from "node:crypto";
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from "@aws-sdk/client-cognito-identity";
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { SignatureV4 } from "@smithy/signature-v4";
import { OUTPUT_NAMES } from "../../app/contract";
import { LOCAL_OUTPUT_NAMES } from "../dev";
import { LOCAL_CREDENTIALS } from "../local-cloud";
import { Sha256 } from "../shared/sha256";
import { ApiAnswerError } from "./api-answer-error";
import { errorText, retryTransient, RetryPolicy } from "./smoke-retry";

/**
 * The guide's walkthrough as a check of a deployed stage: a throwaway user signs in, trades the ID token for
 * identity-pool credentials and calls the API, unsigned and signed. The Cognito calls go where the AWS SDK's own
 * settings send them, with the caller's credentials; for `npm run dev`'s outputs, to the local cloud with its key pair.
 */

/** What the smoke test needs of a stage: its outputs, and where the API and the AWS calls go. */
export interface SmokeTarget {
  /** The stack's outputs by name (`OUTPUT_NAMES`). */
  readonly outputs: Readonly<Record<string, string>>;
  /** The API's base URL. @default the `ApiEndpoint` output */
  readonly apiUrl?: string;
  /** Where the Cognito calls go. @default the AWS SDK's own (`AWS_ENDPOINT_URL`, else AWS) */
  readonly awsEndpoint?: string;
  /** The caller's credentials. @default the AWS SDK's credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The target of a deployed stage's outputs: on AWS, as they are; from `npm run dev --outputs-file`, the local API,
 * the local cloud and its key pair (the local cloud refuses any other).
 */
export function smokeTargetOf(outputs: Readonly<Record<string, string>>): SmokeTarget {
  const cloud = outputs[LOCAL_OUTPUT_NAMES.cloud];
  if (cloud === undefined) return { outputs };
  return { outputs, apiUrl: outputs[LOCAL_OUTPUT_NAMES.api], awsEndpoint: cloud, credentials: LOCAL_CREDENTIALS };
}

/** One step that passed, and what it saw. */
export interface SmokeStep {
  readonly name: string;
  readonly detail: string;
}

/** A step that did not pass: its name and what went wrong. */
export class SmokeTestFailure extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`step "${step}" failed: ${reason}`);
    this.name = "SmokeTestFailure";
  }
}

/**
 * Runs the walkthrough against `target`, calling `passed` after each step, and deletes the user it created whatever
 * happens. Each step retries the errors AWS gives while a new stage propagates, as `retry` says (smoke-retry.ts).
 * Resolves with the steps that passed; rejects with a {@link SmokeTestFailure} naming the first that did not.
 */
export async function smokeTest(target: SmokeTarget, passed: (step: SmokeStep) => void = () => {}, retry: RetryPolicy = {}): Promise<SmokeStep[]> {
  const output = (key: keyof typeof OUTPUT_NAMES) => {
    const value = target.outputs[OUTPUT_NAMES[key]];
    if (!value) throw new SmokeTestFailure("read the stage's outputs", `no ${OUTPUT_NAMES[key]} among ${Object.keys(target.outputs).join(", ") || "no outputs"}`);
    return value;
  };
  const region = output("region");
  const userPoolId = output("userPoolId");
  const clientId = output("userPoolClientId");
  const identityPoolId = output("identityPoolId");
  const api = (target.apiUrl ?? output("apiEndpoint")).replace(/\/$/, "");
  const steps: SmokeStep[] = [];
  /**
   * Runs one step, again on a transient error within the window: its result is its detail; any other error, or the
   * last one once the window is over, becomes a failure of that step. A step is whole: a retry repeats all its calls.
   */
  const step = async <T>(name: string, run: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    try {
      const { value, detail } = await retryTransient(name, run, retry);
      steps.push({ name, detail });
      passed({ name, detail });
      return value;
    } catch (error) {
      throw error instanceof SmokeTestFailure ? error : new SmokeTestFailure(name, errorText(error));
    }
  };

  const clientConfig = { region, ...(target.awsEndpoint && { endpoint: target.awsEndpoint }), ...(target.credentials && { credentials: target.credentials }) };
  const idp = new CognitoIdentityProviderClient(clientConfig);
  const identity = new CognitoIdentityClient(clientConfig);
  // A user no one can guess, and no message sent: AdminCreateUser with SUPPRESS, then a permanent password.
  const username = `smoke-${randomBytes(6).toString("hex")}@example.com`;
  const password = `Sm0ke-${randomBytes(12).toString("base64url")}!`;
  let created = false;
  try {
    await step("create a throwaway user", async () => {
      // A retry after the user was made (AdminSetUserPassword failed) must not create it twice.
      if (!created) await idp.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, MessageAction: "SUPPRESS", TemporaryPassword: password }));
      created = true;
      await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: password, Permanent: true }));
      return { value: undefined, detail: username };
    });
    const idToken = await step("sign in", async () => {
      const { AuthenticationResult } = await idp.send(
        new InitiateAuthCommand({ ClientId: clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: username, PASSWORD: password } }),
      );
      if (!AuthenticationResult?.IdToken) throw new Error("InitiateAuth returned no ID token");
      return { value: AuthenticationResult.IdToken, detail: "USER_PASSWORD_AUTH: an ID token" };
    });
    const { identityId, credentials } = await step("get identity-pool credentials", async () => {
      const logins = { [`cognito-idp.${region}.amazonaws.com/${userPoolId}`]: idToken };
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }));
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
      if (!IdentityId || !Credentials?.AccessKeyId || !Credentials.SecretKey || !Credentials.SessionToken) throw new Error("GetCredentialsForIdentity returned no credentials");
      const keys = { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey, sessionToken: Credentials.SessionToken };
      return { value: { identityId: IdentityId, credentials: keys }, detail: IdentityId };
    });
    await step("GET /public answers 200 Hello stranger!", () => expectAnswer(`${api}/public`, undefined, 200, "Hello stranger!"));
    await step("unsigned GET /private answers 403", () => expectAnswer(`${api}/private`, undefined, 403));
    await step(`signed GET /private answers 200 Hello <identity id>!`, async () => {
      // Signed anew on each attempt: a signature is valid for minutes only, and the window may outlast the first.
      const headers = await signedHeaders(`${api}/private`, region, credentials);
      return expectAnswer(`${api}/private`, headers, 200, `Hello ${identityId}!`);
    });
    return steps;
  } finally {
    if (created) await idp.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: username })).catch(() => {});
    idp.destroy();
    identity.destroy();
  }
}

/**
 * GETs `url`, signed when `headers` are given, and checks the status (and body, when given); the detail is what it
 * saw. Any other answer is an {@link ApiAnswerError}.
 */
async function expectAnswer(url: string, headers: Record<string, string> | undefined, status: number, body?: string): Promise<{ value: undefined; detail: string }> {
  const response = await fetch(url, { headers: headers ?? {}, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  const seen = `${response.status} ${text.slice(0, 200)}`;
  if (response.status !== status || (body !== undefined && text !== body)) {
    throw new ApiAnswerError(response.status, headers !== undefined, `expected ${status}${body === undefined ? "" : ` ${body}`}, got ${seen} from GET ${url}`);
  }
  return { value: undefined, detail: seen };
}

/** The headers of a SigV4-signed GET of `url` for execute-api, as the AWS SDK would sign it. */
async function signedHeaders(url: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): Promise<Record<string, string>> {
  const { protocol, hostname, port, host, pathname } = new URL(url);
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  const signed = await signer.sign({ method: "GET", protocol, hostname, ...(port && { port: Number(port) }), path: pathname, query: {}, headers: { host } });
  return signed.headers as Record<string, string>;
}
