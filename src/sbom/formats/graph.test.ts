import { describe, expect, it } from "vitest";
import type { Package } from "../model.js";
import { resolveDependencies, sortPackages } from "./graph.js";

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
