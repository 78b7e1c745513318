import { LambdaRunner } from "../../../../../tools/local-api/lambda/pool";

test("pool limits must be whole numbers of at least 1; the message names the option and the value", () => {
  expect(() => new LambdaRunner({ nodeBinary: process.execPath, maxProcessesPerFunction: 0 })).toThrow("invalid maxProcessesPerFunction 0: expected a whole number of at least 1");
  expect(() => new LambdaRunner({ nodeBinary: process.execPath, idleTimeoutMs: 1.5 })).toThrow("invalid idleTimeoutMs 1.5: expected a whole number of at least 1");
  expect(() => new LambdaRunner({ nodeBinary: process.execPath, maxProcessesPerFunction: 4, idleTimeoutMs: 500 })).not.toThrow();
});
