/** The Node.js Lambda runtimes a function may run on: named here once, for the stacks, the bundler and the local runner. */

/**
 * The Node.js runtimes Lambda still creates functions on, each with its Node major version, its dates (when Lambda
 * deprecates it: no more security patches; when it stops creating functions on it) and the oldest hashicorp/aws
 * provider that accepts it. The bindings carry no list of runtimes (`runtime` is a string there): only the provider
 * binary checks it, at `terraform validate`, so the app checks it at synth from this table. Provider 5.100.0 stops
 * at `nodejs22.x`; 6.19.0 is the first to take `nodejs24.x` (its AWS SDK lists it: hashicorp/terraform-provider-aws#44986;
 * the CHANGELOG names it in 6.21.0, #45024). A test fails 60 days before a runtime's deprecation: see MIGRATING.md.
 */
export const NODEJS_RUNTIMES = {
  "nodejs22.x": { major: 22, deprecated: "2027-04-30", creationBlocked: "2027-06-01", minimumProvider: "5.100.0" },
  "nodejs24.x": { major: 24, deprecated: "2028-04-30", creationBlocked: "2028-06-01", minimumProvider: "6.19.0" },
} as const;

/** A runtime of {@link NODEJS_RUNTIMES}: `nodejs22.x` or `nodejs24.x`. */
export type NodejsRuntime = keyof typeof NODEJS_RUNTIMES;

/**
 * The runtime of a function that names none: `nodejs22.x`, the newest the AWS provider this project pins (5.100.0)
 * accepts. It becomes `nodejs24.x` when the project moves to provider 6.
 */
export const NODEJS_RUNTIME: NodejsRuntime = "nodejs22.x";

/** @deprecated The default runtime's Node major: use `NODEJS_RUNTIMES[runtime].major`. */
export const NODEJS_MAJOR = NODEJS_RUNTIMES[NODEJS_RUNTIME].major;

/** @deprecated The default runtime's esbuild target: use {@link bundleTarget}. */
export const BUNDLE_TARGET = bundleTarget(NODEJS_RUNTIME);

/** @deprecated The default runtime's dates: use `NODEJS_RUNTIMES[runtime]`. */
export const NODEJS_RUNTIME_DATES = { deprecated: NODEJS_RUNTIMES[NODEJS_RUNTIME].deprecated, creationBlocked: NODEJS_RUNTIMES[NODEJS_RUNTIME].creationBlocked };

/** Whether `value` is a runtime of {@link NODEJS_RUNTIMES}. */
export function isNodejsRuntime(value: unknown): value is NodejsRuntime {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(NODEJS_RUNTIMES, value);
}

/** The esbuild target of bundles for `runtime`: `node22` for `nodejs22.x`. */
export function bundleTarget(runtime: NodejsRuntime = NODEJS_RUNTIME): string {
  return `node${NODEJS_RUNTIMES[runtime].major}`;
}

/**
 * Whether hashicorp/aws `providerVersion` (`5.100.0`) accepts `runtime`: it is at least the runtime's
 * `minimumProvider`. An unknown version (bindings without generator metadata) is taken to accept it.
 */
export function providerAcceptsRuntime(runtime: NodejsRuntime, providerVersion: string | undefined): boolean {
  if (providerVersion === undefined) return true;
  const parts = (version: string) => version.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const have = parts(providerVersion);
  const need = parts(NODEJS_RUNTIMES[runtime].minimumProvider);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i];
  }
  return true;
}
