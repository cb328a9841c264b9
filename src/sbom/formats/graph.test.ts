import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Package } from "../model.js";
import { resolveDependencies, sortPackages } from "./graph.js";
import { commonPrefixLength } from "./nearest.js";

const npm = (name: string, version: string, path: string, dependsOn?: string[]): Package => ({
  type: "npm",
  name,
  version,
  purl: `pkg:npm/${name}@${version}`,
  licenses: [],
  cataloger: "npm",
  locations: [{ path }],
  ...(dependsOn ? { dependsOn } : {}),
});

describe("resolveDependencies", () => {
  it("picks the copy nearest in the node_modules tree", () => {
    const packages = [
      npm("app", "1.0.0", "/srv/app/package.json", ["debug", "ms"]),
      npm("debug", "4.3.4", "/srv/app/node_modules/debug/package.json", ["ms"]),
      npm("ms", "2.1.3", "/srv/app/node_modules/ms/package.json"),
      npm("ms", "2.0.0", "/srv/app/node_modules/debug/node_modules/ms/package.json"),
    ];
    const graph = resolveDependencies(packages);
    expect(graph.edges).toEqual([[1, 2], [3], [], []]);
    expect(graph.unresolved).toEqual([[], [], [], []]);
  });

  it("resolves within the same type only and keeps unknown names", () => {
    const deb: Package = {
      ...npm("ms", "1", "/var/lib/dpkg/status"),
      type: "deb",
      purl: "pkg:deb/debian/ms@1",
    };
    const packages = [npm("a", "1", "/a/package.json", ["ms", "ghost", "ghost", "a"]), deb];
    const graph = resolveDependencies(packages);
    expect(graph.edges).toEqual([[], []]);
    expect(graph.unresolved).toEqual([["ms", "ghost", "a"], []]);
  });
});

/** The original resolution, scanning every same-named package per edge: the oracle for the index. */
function resolveByScan(packages: readonly Package[]): { edges: number[][]; unresolved: string[][] } {
  const path = (p: Package) => p.locations[0]?.path ?? "";
  const edges: number[][] = [];
  const unresolved: string[][] = [];
  packages.forEach((pkg, i) => {
    const targets = new Set<number>();
    const missing: string[] = [];
    for (const name of pkg.dependsOn ?? []) {
      let best: number | undefined;
      let bestScore = -1;
      packages.forEach((other, j) => {
        if (j === i || other.type !== pkg.type || other.name !== name) return;
        const score = commonPrefixLength(path(pkg), path(other));
        if (score > bestScore) {
          best = j;
          bestScore = score;
        }
      });
      if (best === undefined) {
        if (!missing.includes(name)) missing.push(name);
      } else targets.add(best);
    }
    edges.push([...targets].sort((a, b) => a - b));
    unresolved.push(missing);
  });
  return { edges, unresolved };
}

describe("resolveDependencies against scanning every copy (property, fixed seed)", () => {
  // Few names and short paths from a small alphabet: groups of one name reach the sorted index (16
  // or more copies), paths share prefixes, tie, repeat exactly, and are sometimes missing.
  const name = fc.constantFrom("a", "b", "c");
  const path = fc.oneof(
    fc.constant(undefined),
    fc
      .array(fc.constantFrom("/", "n", "m", "x", "é", "\u{1F600}"), { maxLength: 8 })
      .map((parts) => parts.join("")),
  );
  const pkg = fc.record({
    name,
    path,
    dependsOn: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }),
  });

  it("resolves every edge to the same package", () => {
    fc.assert(
      fc.property(fc.array(pkg, { minLength: 20, maxLength: 120, size: "max" }), (specs) => {
        const packages: Package[] = specs.map((s, i) => ({
          ...npm(s.name, String(i), s.path ?? "", s.dependsOn),
          locations: s.path === undefined ? [] : [{ path: s.path }],
        }));
        expect(resolveDependencies(packages)).toEqual(resolveByScan(packages));
      }),
      { seed: 22, numRuns: 1000 },
    );
  });
});

describe("sortPackages", () => {
  it("orders by type, name, version, then location", () => {
    const sorted = sortPackages([
      npm("b", "1", "/z"),
      npm("a", "2", "/y"),
      npm("a", "1", "/x/2"),
      npm("a", "1", "/x/1"),
      { ...npm("z", "0", "/"), type: "apk" },
    ]);
    expect(sorted.map((p) => `${p.type}:${p.name}@${p.version}${p.locations[0]!.path}`)).toEqual([
      "apk:z@0/",
      "npm:a@1/x/1",
      "npm:a@1/x/2",
      "npm:a@2/y",
      "npm:b@1/z",
    ]);
  });
});
