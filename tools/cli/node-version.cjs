// @ts-check
/**
 * The Node.js this project needs: package.json's `engines.node` (the one place it is written; `.nvmrc` names the
 * major). Plain JavaScript, so that the app runner (run-app.cjs) and every command can check it before any work.
 */
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

/** package.json's `engines.node`, such as `>=22.19`. */
function requiredNode() {
  return JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")).engines.node;
}

/**
 * One line saying that `version` (this process's Node by default) is older than `engines.node` and what to do, or
 * `undefined` when it is new enough.
 * @param {string} [version]
 * @returns {string | undefined}
 */
function nodeTooOld(version = process.versions.node) {
  const range = requiredNode();
  const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range);
  if (!minimum) throw new Error(`package.json engines.node "${range}": expected ">=<major>.<minor>"`);
  const wanted = minimum.slice(1).map((part) => Number(part ?? 0));
  const have = version.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > wanted[i]) return undefined;
    if ((have[i] ?? 0) < wanted[i]) {
      return `Node ${version} is too old: this project needs Node ${range} (package.json engines; .nvmrc): install it (nvm install) and run again`;
    }
  }
  return undefined;
}

module.exports = { nodeTooOld, requiredNode };
