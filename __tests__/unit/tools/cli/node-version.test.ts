import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const { nodeTooOld, requiredNode } = require("../../../../tools/cli/node-version.cjs") as { nodeTooOld: (version?: string) => string | undefined; requiredNode: () => string };
const ROOT = join(__dirname, "..", "..", "..", "..");

describe("the Node.js the project needs", () => {
  test("is package.json's engines.node, at least 22.19 (CDK Terrain's floor), and .nvmrc names its major", () => {
    expect(requiredNode()).toBe(">=22.19");
    expect(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim()).toBe("22");
  });

  test("the project brings it: the `node` devDependency of that major, whose install script npm is allowed to run", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string>; allowScripts: Record<string, boolean> };
    const version = pkg.devDependencies.node;
    expect(version).toMatch(/^22\.\d+\.\d+$/);
    expect(nodeTooOld(version)).toBeUndefined();
    expect(pkg.allowScripts.node).toBe(true);
    // npm on an older Node (20) installs with a warning rather than refusing: the project's Node then runs everything.
    expect(existsSync(join(ROOT, ".npmrc")) && /^engine-strict\s*=\s*true$/m.test(readFileSync(join(ROOT, ".npmrc"), "utf8"))).toBe(false);
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
