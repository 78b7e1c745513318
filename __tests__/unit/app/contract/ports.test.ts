import { API_PORT_ENV, CLOUD_PORT_ENV, DEFAULT_API_PORT, DEFAULT_CLOUD_PORT, portSetting } from "../../../../app/contract/ports";

describe("the local environment's ports", () => {
  test("fixed defaults clear of LocalStack's 4566 and 4510-4559", () => {
    expect([DEFAULT_CLOUD_PORT, DEFAULT_API_PORT]).toEqual([4599, 4600]);
  });

  test("the flag wins over the environment variable, which wins over the default; 0 is any free port", () => {
    expect(portSetting({ name: "port" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, {})).toBe(4599);
    expect(portSetting({ name: "port" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, { [CLOUD_PORT_ENV]: "4700" })).toBe(4700);
    expect(portSetting({ name: "port", value: "4800" }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, { [CLOUD_PORT_ENV]: "4700" })).toBe(4800);
    expect(portSetting({ name: "api-port", value: "0" }, API_PORT_ENV, DEFAULT_API_PORT, {})).toBe(0);
  });

  test.each(["http", "-1", "65536", "4599.5", ""])("a bad --port %p is one message naming it", (value) => {
    expect(() => portSetting({ name: "port", value }, CLOUD_PORT_ENV, DEFAULT_CLOUD_PORT, {})).toThrow(
      `invalid port "${value}" (from --port): expected a number from 1 to 65535, or 0 for any free port`,
    );
  });
});
