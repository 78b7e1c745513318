import { limitsOf, stageThrottling, Throttle, TokenBucket } from "../../../../tools/local-api/throttle";

/** A clock the test moves by hand, in milliseconds. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeMany = (take: () => boolean, n: number) => Array.from({ length: n }, take).filter(Boolean).length;

describe("TokenBucket", () => {
  test("starts full: a burst of burstLimit passes at once, the next request is refused", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 1, burstLimit: 5 }, clock.now);
    expect(takeMany(() => bucket.take(), 20)).toBe(5);
  });

  test("refills at rateLimit per second, in whole tokens, never beyond burstLimit", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, clock.now);
    expect(takeMany(() => bucket.take(), 3)).toBe(3);
    clock.advance(250);
    expect(bucket.take()).toBe(false); // half a token
    clock.advance(250);
    expect(bucket.take()).toBe(true); // one token after 500 ms at 2/s
    expect(bucket.take()).toBe(false);
    clock.advance(60_000);
    expect(takeMany(() => bucket.take(), 10)).toBe(3);
  });

  test("a fractional rate (0.5/s) gives one request every two seconds", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ rateLimit: 0.5, burstLimit: 1 }, clock.now);
    expect(bucket.take()).toBe(true);
    clock.advance(1000);
    expect(bucket.take()).toBe(false);
    clock.advance(1000);
    expect(bucket.take()).toBe(true);
  });

  test("limits of 0 refuse everything", () => {
    const bucket = new TokenBucket({ rateLimit: 0, burstLimit: 0 }, manualClock().now);
    expect(bucket.take()).toBe(false);
  });
});

describe("Throttle", () => {
  test("each route has its own bucket with the stage's default limits; a route's own settings replace them", () => {
    const clock = manualClock();
    const throttle = new Throttle(
      stageThrottling({ ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 }, { "GET /busy": { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 4 } }),
      clock.now,
    );
    expect(takeMany(() => throttle.admit("GET /a"), 10)).toBe(2);
    expect(takeMany(() => throttle.admit("GET /b"), 10)).toBe(2);
    expect(takeMany(() => throttle.admit("GET /busy"), 10)).toBe(4);
  });

  test("a stage without limits (moto keeps only detailedMetricsEnabled then) throttles nothing", () => {
    const throttle = new Throttle(stageThrottling({ DetailedMetricsEnabled: false } as never, {}), manualClock().now);
    expect(takeMany(() => throttle.admit("GET /a"), 1000)).toBe(1000);
  });
});

describe("limitsOf", () => {
  test("reads ThrottlingRateLimit and ThrottlingBurstLimit; a missing one is unlimited; neither is no limit", () => {
    expect(limitsOf({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(limitsOf({ ThrottlingRateLimit: 5 })).toEqual({ rateLimit: 5, burstLimit: Number.POSITIVE_INFINITY });
    expect(limitsOf({})).toBeUndefined();
    expect(limitsOf(undefined)).toBeUndefined();
  });

  test("an unlimited burst with a rate admits everything without NaN", () => {
    const bucket = new TokenBucket(limitsOf({ ThrottlingRateLimit: 5 })!, manualClock().now);
    expect(takeMany(() => bucket.take(), 100)).toBe(100);
  });
});
