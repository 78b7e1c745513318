/**
 * Request throttling as an HTTP API stage applies it: a token bucket per route, whose capacity is the burst limit
 * and which refills at the rate limit (requests per second). A route's own `RouteSettings` replace the stage's
 * `DefaultRouteSettings`; a route with neither is not throttled here (AWS would still apply the account's limits).
 * A request that finds the bucket empty is answered `429 {"message":"Too Many Requests"}` without reaching auth or
 * the integration.
 */

/** A route's limits, as `ThrottlingRateLimit` and `ThrottlingBurstLimit` of the stage's route settings give them. */
export interface ThrottleLimits {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** The most requests at once: the bucket's capacity. */
  readonly burstLimit: number;
}

/** The throttling of a stage. */
export interface StageThrottling {
  /** From `DefaultRouteSettings`; `undefined` when the stage sets no limits. */
  readonly defaultLimits?: ThrottleLimits;
  /** From `RouteSettings`, per route key. */
  readonly routeLimits: Readonly<Record<string, ThrottleLimits>>;
}

/** The body of API Gateway's 429. */
export const TOO_MANY_REQUESTS = { message: "Too Many Requests" } as const;

/** A token bucket: starts full, refills continuously, and each request takes one whole token. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /** `now` is the clock in milliseconds. */
  constructor(
    readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = limits.burstLimit;
    this.updatedAt = now();
  }

  /** Takes a token if there is one; `false` means the request is over the limit. */
  take(): boolean {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    // No time passed, no refill (and no 0 × Infinity for an unlimited rate).
    if (elapsedSeconds > 0) this.tokens = Math.min(this.limits.burstLimit, this.tokens + elapsedSeconds * this.limits.rateLimit);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The buckets of one stage, one per route key, made on a route's first request. */
export class Throttle {
  private readonly buckets = new Map<string, TokenBucket | null>();

  constructor(
    private readonly throttling: StageThrottling,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request to `routeKey` may go on; `false` means answer 429. */
  admit(routeKey: string): boolean {
    let bucket = this.buckets.get(routeKey);
    if (bucket === undefined) {
      const limits = this.throttling.routeLimits[routeKey] ?? this.throttling.defaultLimits;
      bucket = limits === undefined ? null : new TokenBucket(limits, this.now);
      this.buckets.set(routeKey, bucket);
    }
    return bucket === null || bucket.take();
  }
}

/** A route settings object of GetStage (`DefaultRouteSettings` or an entry of `RouteSettings`). */
export interface RouteSettingsLike {
  readonly ThrottlingRateLimit?: number;
  readonly ThrottlingBurstLimit?: number;
}

/**
 * The limits a route settings object sets; `undefined` when it sets neither. One set without the other leaves the
 * other unlimited, as API Gateway treats a missing limit.
 */
export function limitsOf(settings: RouteSettingsLike | undefined): ThrottleLimits | undefined {
  const rate = settings?.ThrottlingRateLimit;
  const burst = settings?.ThrottlingBurstLimit;
  if (rate === undefined && burst === undefined) return undefined;
  return { rateLimit: rate ?? Number.POSITIVE_INFINITY, burstLimit: burst ?? Number.POSITIVE_INFINITY };
}

/** The throttling a stage's `DefaultRouteSettings` and `RouteSettings` describe. */
export function stageThrottling(defaults: RouteSettingsLike | undefined, routes: Readonly<Record<string, RouteSettingsLike>> | undefined): StageThrottling {
  const routeLimits: Record<string, ThrottleLimits> = {};
  for (const [routeKey, settings] of Object.entries(routes ?? {})) {
    const limits = limitsOf(settings);
    if (limits !== undefined) routeLimits[routeKey] = limits;
  }
  return { defaultLimits: limitsOf(defaults), routeLimits };
}
