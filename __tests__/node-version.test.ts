import { readFileSync } from "node:fs";
import { join } from "node:path";

const { nodeTooOld, requiredNode } = require("../tools/cli/node-version.cjs") as { nodeTooOld: (version?: string) => string | undefined; requiredNode: () => string };
const ROOT = join(__dirname, "..");

describe("the Node.js the project needs", () => {
  test("is package.json's engines.node, at least 22.19 (CDK Terrain's floor), and .nvmrc names its major", () => {
    expect(requiredNode()).toBe(">=22.19");
    expect(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim()).toBe("22");
    // npm refuses to install on an older Node rather than warn.
    expect(readFileSync(join(ROOT, ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
  });

  test("an older Node gets one line naming it, what is needed and what to do; a newer one passes", () => {
    expect(nodeTooOld("20.20.2")).toBe("Node 20.20.2 is too old: this project needs Node >=22.19 (package.json engines; .nvmrc): install it (nvm install) and run again");
    expect(nodeTooOld("22.18.9")).toMatch(/^Node 22\.18\.9 is too old/);
    for (const version of ["22.19.0", "22.23.5", "24.1.0"]) expect(nodeTooOld(version)).toBeUndefined();
  });

  test("the tests themselves run on such a Node", () => {
    expect(nodeTooOld()).toBeUndefined();
  });
});
