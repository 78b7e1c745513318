// Compiles TypeScript for jest with esbuild: no type-checking here (`npm run typecheck` does that), so tests start fast.
const { transformSync } = require("esbuild");

module.exports = {
  process(sourceText, sourcePath) {
    const { code, map } = transformSync(sourceText, {
      loader: "ts",
      format: "cjs",
      target: "node22",
      sourcemap: true,
      sourcefile: sourcePath,
      // jest runs CommonJS: a lazy `await import()` (the commands load their libraries that way) becomes a require.
      supported: { "dynamic-import": false },
    });
    return { code, map };
  },
};
