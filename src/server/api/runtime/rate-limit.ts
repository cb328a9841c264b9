import { LRUCache } from "lru-cache";
import { ServerError } from "../../errors.js";

/**
 * Requests per minute per caller, a token bucket each: a burst of a minute's worth, refilled evenly.
 * Kept in this process (a replica limits what reaches it; behind N replicas a caller gets N times the
 * rate), in a bounded LRU so a flood of names cannot grow it.
 */
export class CallerRateLimit {
  private readonly buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 10_000 });

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request of `caller`'s allowance, or throws RATE_LIMITED with the seconds to wait. */
  take(caller: string): void {
    if (this.perMinute <= 0) return;
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(caller) ?? { tokens: this.perMinute, at: now };
    const tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs);
    if (tokens < 1) {
      this.buckets.set(caller, { tokens, at: now });
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
      throw new ServerError(
        "RATE_LIMITED",
        `${caller} sent more than ${this.perMinute} runtime requests in a minute: retry after ${retryAfterSeconds}s`,
        { detail: { retryAfterSeconds } },
      );
    }
    this.buckets.set(caller, { tokens: tokens - 1, at: now });
  }
}
