/** The Node.js version every function runs on: named here once, for the stacks, the bundler and the local runner. */

/** Major version of Node.js on Lambda. Node.js 20 is past its end of life; provider 5.100.0 accepts up to 22. */
export const NODEJS_MAJOR = 22;

/** The Lambda runtime of every function: `nodejs22.x`. */
export const NODEJS_RUNTIME = `nodejs${NODEJS_MAJOR}.x`;

/** The esbuild target of every bundle, matching {@link NODEJS_RUNTIME}: `node22`. */
export const BUNDLE_TARGET = `node${NODEJS_MAJOR}`;
