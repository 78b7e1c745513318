import { Handler, jsonResponse, parseJsonObject } from "../../protocol/aws-json";
import { callUserPools, USER_POOL_SERVICE } from "./user-pools";

/**
 * UpdateUserPool as Cognito does it. moto 5.2 starts the pool's settings again from its defaults and applies the
 * request, so a pool updated in place (a new tier, another MFA setting) loses its username attributes and tags, and
 * Terraform's next plan replaces it, with every user. Cognito resets only what can be updated: the settings fixed at
 * creation stay, and so do the tags when the request sends none.
 */

/** What an UpdateUserPool request cannot change, or leaves alone when it does not name it. */
const KEPT_ON_UPDATE = ["UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "UserPoolTags"] as const;

/** The handler of `UpdateUserPool`, keyed by `X-Amz-Target`. */
export function userPoolUpdateHandlers(): Record<string, Handler> {
  return {
    [`${USER_POOL_SERVICE}.UpdateUserPool`]: async (request, context) => {
      const input = parseJsonObject(request.body);
      const scope = { accessKeyId: request.accessKeyId, region: request.region };
      const { UserPool: pool = {} } = (await callUserPools(context.moto, scope, "DescribeUserPool", { UserPoolId: input.UserPoolId })) as {
        UserPool?: Record<string, unknown>;
      };
      const kept = Object.fromEntries(KEPT_ON_UPDATE.filter((key) => input[key] === undefined && pool[key] !== undefined).map((key) => [key, pool[key]]));
      return jsonResponse(await callUserPools(context.moto, scope, "UpdateUserPool", { ...input, ...kept }));
    },
  };
}
