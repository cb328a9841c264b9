import { LRUCache } from "lru-cache";
import { describe, expect, it } from "vitest";
import { ttlClock } from "./ttl-clock.js";

describe("ttlClock", () => {
  it("lets an entry stored when a test clock reads 0 expire (lru-cache reads a start of 0 as no TTL)", () => {
    let now = 0;
    const cache = new LRUCache<string, string>({
      max: 10,
      ttl: 100,
      ttlResolution: 0,
      perf: ttlClock(() => now)!,
    });
    cache.set("k", "v");
    now = 100;
    expect(cache.get("k")).toBe("v");
    now = 101;
    expect(cache.get("k")).toBeUndefined();
  });

  it("leaves lru-cache's own monotonic clock when nothing is injected", () => {
    expect(ttlClock(undefined)).toBeUndefined();
  });
});
