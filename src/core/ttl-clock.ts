/**
 * The clock an lru-cache TTL reads (its `perf` option), from a `now` a caller injected (tests, or a
 * clock shared with the rest of a service). lru-cache takes a start time of 0 to mean "no TTL", so an
 * entry stored when a test clock reads 0 would never expire; the clock is shifted by one millisecond,
 * which changes no age (only differences are read). Without an injected `now`, undefined: lru-cache
 * then reads `performance.now()`, which is monotonic where `Date.now()` can jump.
 *
 * Every cache built on lru-cache with a TTL also passes `ttlResolution: 0`, so each look-up reads this
 * clock rather than a value lru-cache keeps for a millisecond of real time (a test clock moved within
 * that millisecond would not be seen). Typed structurally: core does not depend on lru-cache.
 */
export function ttlClock(now: (() => number) | undefined): { now(): number } | undefined {
  return now === undefined ? undefined : { now: () => now() + 1 };
}
