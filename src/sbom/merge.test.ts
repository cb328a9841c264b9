import { describe, expect, it } from "vitest";
import { mergePackages } from "./merge.js";
import type { Package } from "./model.js";

const lodash = (path: string, extra: Partial<Package> = {}): Package => ({
  type: "npm",
  name: "lodash",
  version: "4.17.21",
  purl: "pkg:npm/lodash@4.17.21",
  licenses: ["MIT"],
  cataloger: "npm",
  locations: [{ path, layerIndex: 1 }],
  ...extra,
});

describe("mergePackages", () => {
  it("keeps one package per purl with every distinct location, licence and dependency", () => {
    const merged = mergePackages([
      lodash("/b/package.json", { dependsOn: ["x"] }),
      lodash("/a/package.json", { licenses: ["MIT", "CC0-1.0"], dependsOn: ["y", "x"] }),
      lodash("/b/package.json"),
      { ...lodash("/b/package.json"), locations: [{ path: "/b/package.json", layerIndex: 2 }] },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.locations).toEqual([
      { path: "/a/package.json", layerIndex: 1 },
      { path: "/b/package.json", layerIndex: 1 },
      { path: "/b/package.json", layerIndex: 2 },
    ]);
    expect(merged[0]?.licenses).toEqual(["MIT", "CC0-1.0"]);
    expect(merged[0]?.dependsOn).toEqual(["x", "y"]);
  });

  it("leaves a package found once as it was", () => {
    const once = lodash("/a/package.json", { dependsOn: ["x", "x"] });
    expect(mergePackages([once])).toEqual([once]);
  });

  // Issue 22, item 8: each copy rescanned the growing location list and rebuilt the dependency list.
  it("merges 50,000 copies of one package in linear time", () => {
    const copies = Array.from({ length: 50_000 }, (_, i) =>
      lodash(`/app${i}/node_modules/lodash/package.json`, { dependsOn: [`dep${i}`] }),
    );
    const started = performance.now();
    const [merged] = mergePackages(copies);
    expect(performance.now() - started).toBeLessThan(2000 + 50_000 * 0.015 * 16);
    expect(merged?.locations).toHaveLength(50_000);
    expect(merged?.dependsOn).toHaveLength(50_000);
  });
});
