import { describe, expect, it } from "vitest";
import { VerificationCache } from "./cache.js";
import { fakeImage } from "./testing.js";

describe("VerificationCache", () => {
  it("expires entries after the TTL", () => {
    let now = 1_000;
    const cache = new VerificationCache({ ttlMs: 100, clock: () => now });
    const key = VerificationCache.key("r", "app", "sha256:aa");
    cache.set(key, fakeImage("a"));
    now += 100; // lru-cache keeps an entry through its TTL and drops it just after
    expect(cache.get(key)?.target.repository).toBe("team/app");
    now += 1;
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops the least recently used entry beyond its size", () => {
    const cache = new VerificationCache({ maxEntries: 2 });
    cache.set("a", fakeImage("a"));
    cache.set("b", fakeImage("b"));
    cache.get("a");
    cache.set("c", fakeImage("c"));
    expect([
      cache.get("a") !== undefined,
      cache.get("b") !== undefined,
      cache.get("c") !== undefined,
    ]).toEqual([true, false, true]);
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
  });
});
