import { hostRefusal } from "../tools/local-cloud/host-check";

describe("hostRefusal", () => {
  test.each(["127.0.0.1:4566", "localhost:4566", "LOCALHOST:4566", "bucket.localhost:4566", "my.bucket.localhost:4566"])("serves %s", (host) => {
    expect(hostRefusal(host, 4566)).toBeUndefined();
  });
  test.each(["evil.example:4566", "127.0.0.1:4567", "localhost", "127.0.0.1", "evil.example.localhost.attacker:4566", "[::1]:4566", ""])("refuses %s, naming it and what is allowed", (host) => {
    const message = hostRefusal(host || undefined, 4566);
    expect(message).toMatch(/127\.0\.0\.1:4566, localhost:4566 or <bucket>\.localhost:4566/);
    if (host) expect(message).toContain(`'${host}'`);
  });
});
