import { AWS_JSON_CONTENT_TYPE, AwsError, isJsonObject } from "../../protocol/aws-json";
import { LOCAL_REGION } from "../../account";
import { callMoto, MotoScope } from "../../moto/call";
import { MotoClient } from "../../moto/client";

export type { MotoScope };

/**
 * The cognito-idp operations the front asks moto itself, to learn what a request is about: which user pool an app
 * client belongs to, who a user (or an alias such as an email) is, and whether they exist and are enabled.
 */

/** The `X-Amz-Target` prefix of cognito-idp. */
export const USER_POOL_SERVICE = "AWSCognitoIdentityProviderService";

/**
 * Calls a cognito-idp operation on moto and returns its JSON answer; moto's errors are thrown as the same
 * {@link AwsError}, so a handler that lets them pass answers as moto would.
 */
export function callUserPools(moto: MotoClient, scope: MotoScope, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  return callMoto(moto, scope, {
    service: "cognito-idp",
    method: "POST",
    path: "/",
    headers: { "content-type": AWS_JSON_CONTENT_TYPE, "x-amz-target": `${USER_POOL_SERVICE}.${operation}` },
    body: JSON.stringify(input),
    what: operation,
  });
}

/** The region of a user pool: its id begins with it (`us-east-1_AbC123`). */
export function regionOfUserPool(userPoolId: string): string {
  return userPoolId.split("_")[0];
}

/** A user as moto describes it. */
export interface UserPoolUser {
  /** The user's username: for pools that sign in by email or phone, a UUID (the `sub`), never the alias. */
  readonly username: string;
  readonly sub: string;
  readonly enabled: boolean;
  /** `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, ... */
  readonly status: string;
}

/** The user a username or alias names in a pool; `undefined` when the pool has no such user. */
export async function findUser(moto: MotoClient, accessKeyId: string, userPoolId: string, usernameOrAlias: string): Promise<UserPoolUser | undefined> {
  let answer: Record<string, unknown>;
  try {
    answer = await callUserPools(moto, { accessKeyId, region: regionOfUserPool(userPoolId) }, "AdminGetUser", { UserPoolId: userPoolId, Username: usernameOrAlias });
  } catch (error) {
    if (error instanceof AwsError && error.type === "UserNotFoundException") return undefined;
    throw error;
  }
  const attributes = Array.isArray(answer.UserAttributes) ? (answer.UserAttributes as Array<{ Name?: unknown; Value?: unknown }>) : [];
  return {
    username: String(answer.Username),
    sub: String(attributes.find((attribute) => attribute.Name === "sub")?.Value ?? ""),
    enabled: answer.Enabled !== false,
    status: String(answer.UserStatus ?? ""),
  };
}

/** An app client and what the front needs of its settings. */
export interface AppClient {
  readonly clientId: string;
  readonly userPoolId: string;
  /** The access key whose account holds the pool. */
  readonly accessKeyId: string;
  /** `PreventUserExistenceErrors` is `ENABLED`: unknown users are answered as wrong passwords. */
  readonly preventUserExistenceErrors: boolean;
  /** `EnableTokenRevocation`: its refresh tokens may be revoked (Cognito's default for new clients, and moto's). */
  readonly tokenRevocation: boolean;
  /** The client's secret; `undefined` for a public client. */
  readonly secret?: string;
}

/** How long a client's settings are trusted before they are described again (an `UpdateUserPoolClient` may change them). */
const CLIENT_SETTINGS_TTL_MS = 2_000;

/**
 * Finds the user pool of an app client. Public operations (`SignUp`, `InitiateAuth`) name only the client, and
 * often come unsigned, so the pool is looked for in the caller's account, in the local region and the one the
 * request was signed for. The pool of a client never changes, so it is kept; its settings are kept briefly.
 */
export class AppClientDirectory {
  private readonly pools = new Map<string, { userPoolId: string; accessKeyId: string }>();
  private readonly settings = new Map<string, { client: Promise<AppClient>; at: number }>();

  constructor(private readonly moto: MotoClient) {}

  /** The client; `ResourceNotFoundException` as Cognito words it when no pool in reach has it. */
  client(clientId: string, scope: MotoScope): Promise<AppClient> {
    const cached = this.settings.get(clientId);
    if (cached && Date.now() - cached.at < CLIENT_SETTINGS_TTL_MS) return cached.client;
    const client = this.describe(clientId, scope);
    client.catch(() => this.settings.delete(clientId));
    this.settings.set(clientId, { client, at: Date.now() });
    return client;
  }

  private async describe(clientId: string, scope: MotoScope): Promise<AppClient> {
    const pool = this.pools.get(clientId) ?? (await this.poolOf(clientId, scope));
    this.pools.set(clientId, pool);
    const answer = await callUserPools(this.moto, { accessKeyId: pool.accessKeyId, region: regionOfUserPool(pool.userPoolId) }, "DescribeUserPoolClient", {
      UserPoolId: pool.userPoolId,
      ClientId: clientId,
    });
    const settings = isJsonObject(answer.UserPoolClient) ? answer.UserPoolClient : {};
    return {
      clientId,
      ...pool,
      preventUserExistenceErrors: settings.PreventUserExistenceErrors === "ENABLED",
      tokenRevocation: settings.EnableTokenRevocation !== false,
      secret: typeof settings.ClientSecret === "string" ? settings.ClientSecret : undefined,
    };
  }

  private async poolOf(clientId: string, scope: MotoScope): Promise<{ userPoolId: string; accessKeyId: string }> {
    for (const region of new Set([scope.region, LOCAL_REGION])) {
      const regionScope = { accessKeyId: scope.accessKeyId, region };
      for (const userPoolId of await pagedIds(this.moto, regionScope, "ListUserPools", {}, "UserPools", "Id")) {
        const clientIds = await pagedIds(this.moto, regionScope, "ListUserPoolClients", { UserPoolId: userPoolId }, "UserPoolClients", "ClientId");
        if (clientIds.includes(clientId)) return { userPoolId, accessKeyId: scope.accessKeyId };
      }
    }
    throw new AwsError(400, "ResourceNotFoundException", `User pool client ${clientId} does not exist.`);
  }
}

const directories = new WeakMap<MotoClient, AppClientDirectory>();

/** The client directory of a moto: one per moto (per local cloud), shared by every handler that asks. */
export function appClientDirectory(moto: MotoClient): AppClientDirectory {
  let directory = directories.get(moto);
  if (!directory) directories.set(moto, (directory = new AppClientDirectory(moto)));
  return directory;
}

/** Every `field` of the `list` of a paginated List operation. */
async function pagedIds(moto: MotoClient, scope: MotoScope, operation: string, input: Record<string, unknown>, list: string, field: string): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: unknown;
  do {
    const page = await callUserPools(moto, scope, operation, { ...input, MaxResults: 60, ...(NextToken ? { NextToken } : {}) });
    for (const item of Array.isArray(page[list]) ? (page[list] as Array<Record<string, unknown>>) : []) ids.push(String(item[field]));
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}
