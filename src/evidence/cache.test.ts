import { describe, expect, it } from "vitest";
import { EvidenceCache } from "./cache.js";
import { EvidenceError } from "./errors.js";

describe("EvidenceCache", () => {
  it("evicts the least recently used entry beyond maxEntries", async () => {
    const cache = new EvidenceCache({ maxEntries: 3 });
    const loads: string[] = [];
    const get = (key: string) =>
      cache.getOrLoad("config", key, async () => {
        loads.push(key);
        return key;
      });
    for (const key of ["a", "b", "c"]) await get(key);
    await get("a"); // a is now the most recent
    await get("d"); // evicts b
    expect(cache.size).toBe(3);
    await get("a");
    await get("c");
    await get("b");
    expect(loads).toEqual(["a", "b", "c", "d", "b"]);
    expect(cache.hits).toBe(3);
  });

  it("keeps 'no verified signature' only briefly, so a denial does not outlive it (issue 11, item 9)", async () => {
    let clock = 0;
    const cache = new EvidenceCache({ now: () => clock });
    let signed = false;
    const load = () =>
      cache.getOrLoad("signatures", "d", async () => (signed ? [{ verified: true }] : [{ verified: false }]));
    expect(await load()).toEqual([{ verified: false }]);
    signed = true;
    clock += 5_001; // within the signatures TTL (60 s), past the negative one
    expect(await load()).toEqual([{ verified: true }]);
    signed = false;
    clock += 30_000; // a found signature keeps the full TTL
    expect(await load()).toEqual([{ verified: true }]);
  });

  it("does not cache a source whose TTL is 0", async () => {
    const cache = new EvidenceCache({ ttlMs: { scan: 0 } });
    let n = 0;
    await cache.getOrLoad("scan", "x", async () => ++n);
    expect(await cache.getOrLoad("scan", "x", async () => ++n)).toBe(2);
  });

  it("shares an in-flight failure but does not keep it", async () => {
    const cache = new EvidenceCache();
    let n = 0;
    const load = async () => {
      n++;
      await new Promise((r) => setTimeout(r, 5));
      throw new Error("down");
    };
    const results = await Promise.allSettled([
      cache.getOrLoad("config", "k", load),
      cache.getOrLoad("config", "k", load),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(n).toBe(1);
    await expect(cache.getOrLoad("config", "k", load)).rejects.toThrow("down");
    expect(n).toBe(2);
  });

  it.each([0, -1, 1.5])("refuses maxEntries %s", (maxEntries) => {
    expect(() => new EvidenceCache({ maxEntries })).toThrow(EvidenceError);
  });
});
