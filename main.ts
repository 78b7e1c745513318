import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { App } from "cdktf";
import { buildApp, writeStageManifests } from "./app";
import { contextFromEnvironment, readCdktfJson } from "./app/config";
import { publishSynth, removeAbandonedSynths, stagingFolder, writeFailure } from "./app/synth-output";
import { oneLine, ValidationError } from "./constructs/validation";

/**
 * The cdktf entry (`app` in cdktf.json): synthesizes every stack the settings ask for into `cdktf.out`, with each
 * stage's manifest beside its stack, swapped in whole only when the synth succeeded. Nothing imports it
 * (__tests__/unit/imports.test.ts).
 */
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
const staging = stagingFolder(outdir);
try {
  // cdktf passes only an object context on, and ignores any other: check the file it came from as well.
  if (existsSync("cdktf.json")) readCdktfJson(resolve("cdktf.json"));
  contextFromEnvironment();
  removeAbandonedSynths(outdir);
  const app = buildApp(new App({ outdir: staging }));
  app.synth();
  writeStageManifests(app);
  publishSynth(staging, outdir);
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  // Bad input is the user's to fix, a full disk the machine's: one line, no stack trace, and cdktf.out is left as it was.
  const line = error instanceof ValidationError ? error.message : writeFailure(error, outdir);
  if (line === undefined) throw error;
  console.error(`Error: ${oneLine(line)}`);
  process.exit(1);
}
