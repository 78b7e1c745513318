// @ts-check
const { readFileSync } = require("node:fs");
const { dirname } = require("node:path");

/** @type {import("esbuild").Plugin} Gives each bundled file its own `__dirname` and `__filename`. */
const ownDirname = {
  name: "own-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      // esbuild renames these module-level constants where files would collide.
      const header = `const __dirname = ${JSON.stringify(dirname(args.path))}; const __filename = ${JSON.stringify(args.path)};`;
      return { contents: `${header}\n${source}`, loader: "ts" };
    });
  },
};

module.exports = { ownDirname };
