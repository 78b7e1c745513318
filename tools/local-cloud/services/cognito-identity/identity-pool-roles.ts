import { AwsError, AwsJsonRequest, describe, Handler, HandlerContext, isJsonObject, jsonResponse, parseJsonObject } from "../../protocol/aws-json";
import type { KeptStore } from "../../state/kept-store";
import { describePool } from "./describe-pool";

/**
 * The identity pool roles that moto 5.2 lacks: `SetIdentityPoolRoles` and `GetIdentityPoolRoles`, answered from
 * memory, for pools that exist in moto. Without them Terraform's `aws_cognito_identity_pool_roles_attachment`
 * retries for minutes, because moto answers 500 (NotImplementedError), which the AWS SDKs retry.
 */

/** The service prefix of cognito-identity's `X-Amz-Target` values. */
const SERVICE = "AWSCognitoIdentityService";

/** The keys `Roles` accepts, as in AWS. */
const ROLE_KEYS = ["authenticated", "unauthenticated"];

/** The role mapping types AWS accepts. */
const ROLE_MAPPING_TYPES = ["Token", "Rules"];

/** `REGION:GUID`, the pattern and length AWS documents for `IdentityPoolId`. */
const IDENTITY_POOL_ID = /^[\w-]+:[0-9a-f-]+$/;
const IDENTITY_POOL_ID_MAX_LENGTH = 55;

/** The roles of one identity pool, in the shape of `GetIdentityPoolRoles`. */
export interface PoolRoles {
  /** Role ARNs keyed `authenticated` / `unauthenticated`. */
  readonly Roles: Readonly<Record<string, string>>;
  /** Role mappings keyed by identity provider, stored as received. */
  readonly RoleMappings: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * The roles of every identity pool that has some, in memory. Pool ids are unique across regions and accounts
 * (the id starts with the region, then a random GUID), so the id alone is the key.
 */
export class IdentityPoolRoleStore implements KeptStore<Array<[string, PoolRoles]>> {
  private readonly pools = new Map<string, PoolRoles>();

  /** The roles of a pool; `undefined` when none were ever set. */
  get(identityPoolId: string): PoolRoles | undefined {
    return this.pools.get(identityPoolId);
  }

  /**
   * Sets a pool's roles. Without `roleMappings`, the pool's mappings stay as they were: Terraform's provider
   * sends `RoleMappings` on update only when they changed, so it relies on this.
   */
  set(identityPoolId: string, roles: Record<string, string>, roleMappings?: Record<string, Record<string, unknown>>): void {
    const previous = this.pools.get(identityPoolId);
    this.pools.set(identityPoolId, { Roles: roles, RoleMappings: roleMappings ?? previous?.RoleMappings ?? {} });
  }

  /** Forgets a pool, when it is deleted. */
  forget(identityPoolId: string): void {
    this.pools.delete(identityPoolId);
  }

  save(): Array<[string, PoolRoles]> {
    return [...this.pools];
  }

  restore(saved: Array<[string, PoolRoles]>): void {
    this.pools.clear();
    for (const [id, roles] of saved) this.pools.set(id, roles);
  }
}

/**
 * The handlers for `SetIdentityPoolRoles`, `GetIdentityPoolRoles` and `DeleteIdentityPool` (moto deletes the pool;
 * we forget its roles), keyed by `X-Amz-Target`, all backed by `store`.
 */
export function identityPoolRoleHandlers(store: IdentityPoolRoleStore): Record<string, Handler> {
  return {
    [`${SERVICE}.SetIdentityPoolRoles`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const identityPoolId = identityPoolIdOf(input);
      if (input.Roles === undefined) throw invalid("Roles is required");
      const roles = rolesOf(input.Roles);
      const roleMappings = input.RoleMappings === undefined ? undefined : roleMappingsOf(input.RoleMappings);
      await requirePool(identityPoolId, request, context);
      store.set(identityPoolId, roles, roleMappings);
      return jsonResponse({});
    },

    [`${SERVICE}.GetIdentityPoolRoles`]: async (request, context) => {
      const identityPoolId = identityPoolIdOf(parseJsonObject(request.body));
      await requirePool(identityPoolId, request, context);
      const { Roles, RoleMappings } = store.get(identityPoolId) ?? { Roles: {}, RoleMappings: {} };
      return jsonResponse({ IdentityPoolId: identityPoolId, Roles, RoleMappings });
    },

    [`${SERVICE}.DeleteIdentityPool`]: async (request, context) => {
      const response = await context.forward();
      // Only once moto has deleted the pool: a failed delete leaves the pool, and so its roles, in place.
      if (response.status === 200) store.forget(identityPoolIdOf(parseJsonObject(request.body)));
      return response;
    },
  };
}

/** Throws `ResourceNotFoundException`, as AWS does, unless moto knows the pool in the request's region and account. */
async function requirePool(identityPoolId: string, request: AwsJsonRequest, context: HandlerContext): Promise<void> {
  await describePool(context.moto, identityPoolId, request);
}

/** `IdentityPoolId` of a request, checked against the pattern AWS documents. */
function identityPoolIdOf(input: Record<string, unknown>): string {
  const id = input.IdentityPoolId;
  if (id === undefined) throw invalid("IdentityPoolId is required");
  if (typeof id !== "string" || id.length > IDENTITY_POOL_ID_MAX_LENGTH || !IDENTITY_POOL_ID.test(id)) {
    throw invalid(`IdentityPoolId must be REGION:GUID (at most ${IDENTITY_POOL_ID_MAX_LENGTH} characters), got ${describe(id)}`);
  }
  return id;
}

/** `Roles` of a request: role ARNs keyed `authenticated` or `unauthenticated`; `{}` removes all roles. */
function rolesOf(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) throw invalid(`Roles must be an object of role ARNs, got ${describe(value)}`);
  for (const [key, arn] of Object.entries(value)) {
    if (!ROLE_KEYS.includes(key)) throw invalid(`Roles has key "${key}": expected ${ROLE_KEYS.join(" or ")}`);
    if (typeof arn !== "string" || arn === "") throw invalid(`Roles.${key} must be a role ARN, got ${describe(arn)}`);
  }
  return value as Record<string, string>;
}

/** `RoleMappings` of a request: objects keyed by identity provider, each with a `Type` AWS accepts. */
function roleMappingsOf(value: unknown): Record<string, Record<string, unknown>> {
  if (!isJsonObject(value)) throw invalid(`RoleMappings must be an object keyed by identity provider, got ${describe(value)}`);
  for (const [provider, mapping] of Object.entries(value)) {
    if (!isJsonObject(mapping)) throw invalid(`RoleMappings["${provider}"] must be an object, got ${describe(mapping)}`);
    if (typeof mapping.Type !== "string" || !ROLE_MAPPING_TYPES.includes(mapping.Type)) {
      throw invalid(`RoleMappings["${provider}"].Type must be ${ROLE_MAPPING_TYPES.join(" or ")}, got ${describe(mapping.Type)}`);
    }
  }
  return value as Record<string, Record<string, unknown>>;
}

/** The error AWS sends for a well-formed request with a bad parameter. */
function invalid(message: string): AwsError {
  return new AwsError(400, "InvalidParameterException", message);
}
