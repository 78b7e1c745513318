/** The Node.js version every function runs on: named here once, for the stacks, the bundler and the local runner. */

/** Major version of Node.js on Lambda. Node.js 20 is past its end of life; provider 5.100.0 accepts up to 22. */
export const NODEJS_MAJOR = 22;

/** The Lambda runtime of every function: `nodejs22.x`. */
export const NODEJS_RUNTIME = `nodejs${NODEJS_MAJOR}.x`;

/** The esbuild target of every bundle, matching {@link NODEJS_RUNTIME}: `node22`. */
export const BUNDLE_TARGET = `node${NODEJS_MAJOR}`;

/**
 * When Lambda deprecates {@link NODEJS_RUNTIME} (no more security patches; nodejs22.x: 2027-04-30), and when it
 * stops creating functions on it (2027-06-01). A test fails 60 days before the first: see MIGRATING.md.
 */
export const NODEJS_RUNTIME_DATES = { deprecated: "2027-04-30", creationBlocked: "2027-06-01" } as const;
