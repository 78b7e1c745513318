// @ts-check
/**
 * The provider bindings besides today's (cdktf 0.21 with @cdktf/provider-aws 20.1.0: hashicorp/aws 5.100.0) that the
 * sources stay compatible with, each as the packages whose imports it maps: `aws6`, @cdktf/provider-aws 21.22.1
 * (hashicorp/aws 6.25.0, with cdktf 0.21); `cdktn`, CDK Terrain 0.24 with @cdktn/provider-aws 25.7.0 (hashicorp/aws
 * 6.66.0). The app runner maps them when `API_AUTH_COGNITO_BINDINGS` names a set (run-app.cjs), jest's `unit-<set>`
 * projects by the same table (jest.config.js), tsc by tsconfig.<set>.json. MIGRATING.md has the ways off provider 5.
 */

/** @type {Readonly<Record<string, Readonly<Record<string, string>>>>} */
const BINDINGS = {
  aws6: { "@cdktf/provider-aws": "@cdktf/provider-aws-v21" },
  cdktn: { cdktf: "cdktn", "@cdktf/provider-aws": "@cdktn/provider-aws", "@cdktf/provider-archive": "@cdktn/provider-archive" },
};

/** The environment variable that names a set for the app runner. */
const BINDINGS_ENV = "API_AUTH_COGNITO_BINDINGS";

/**
 * The package mapping of the set `env` names, for esbuild's `alias`; `undefined` for today's bindings. Throws one line
 * for a name that is no set.
 * @param {NodeJS.ProcessEnv} env
 */
function bindingsAlias(env = process.env) {
  const name = env[BINDINGS_ENV];
  if (name === undefined || name === "") return undefined;
  const alias = Object.prototype.hasOwnProperty.call(BINDINGS, name) ? BINDINGS[name] : undefined;
  if (!alias) throw new Error(`invalid ${BINDINGS_ENV} ${JSON.stringify(name.slice(0, 40))}: expected one of ${Object.keys(BINDINGS).join(", ")}, or nothing for today's bindings`);
  return alias;
}

module.exports = { BINDINGS, BINDINGS_ENV, bindingsAlias };
