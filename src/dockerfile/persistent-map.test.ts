import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PersistentMap } from "./persistent-map.js";

describe("PersistentMap", () => {
  it("behaves like a Map copied at every set, for every version kept", () => {
    // Few distinct short keys, so hash slices and whole keys collide often.
    const key = fc.string({ maxLength: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { maxLength: 200 }), (ops) => {
        const versions: [PersistentMap<number>, Map<string, number>][] = [[PersistentMap.empty(), new Map()]];
        for (const [k, v] of ops) {
          const [map, model] = versions.at(-1) as [PersistentMap<number>, Map<string, number>];
          versions.push([map.set(k, v), new Map(model).set(k, v)]);
        }
        for (const [map, model] of versions) {
          expect(map.size).toBe(model.size);
          for (const [k] of ops) {
            expect(map.has(k)).toBe(model.has(k));
            expect(map.get(k)).toBe(model.get(k));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keeps keys whose hashes collide apart", () => {
    // FNV-1a gives these pairs the same 32-bit hash (found by search).
    const pairs = [
      ["v332789", "v529192"],
      ["v332788", "v529193"],
    ];
    let map = PersistentMap.empty<string>();
    for (const [a, b] of pairs) map = map.set(a as string, `${a}`).set(b as string, `${b}`);
    const before = map;
    map = map.set("v332789", "changed").set("other", "x");
    expect(map.size).toBe(5);
    expect(map.get("v332789")).toBe("changed");
    expect(map.get("v529192")).toBe("v529192");
    expect(before.get("v332789")).toBe("v332789");
    expect(before.has("other")).toBe(false);
    for (let i = 0; i < 20_000; i++) map = map.set(`k${i}`, String(i));
    expect(map.get("v529193")).toBe("v529193");
    expect(map.get("k19999")).toBe("19999");
  });
});
