import type { Package } from "../model.js";
import { NearestByPath } from "./nearest.js";

/**
 * Order and dependency edges shared by both writers. Packages are sorted so output does not depend
 * on cataloger timing; `dependsOn` names are resolved to packages of the same type, and when a name
 * occurs more than once (npm's nested node_modules, several Go binaries) to the one whose location
 * shares the longest directory prefix with the dependent's, which is how Node's module resolution
 * walks up from a package to the nearest node_modules.
 */

const firstPath = (pkg: Package): string => pkg.locations[0]?.path ?? "";

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortPackages(packages: readonly Package[]): Package[] {
  return [...packages].sort(
    (a, b) =>
      compare(a.type, b.type) ||
      compare(a.name, b.name) ||
      compare(a.version, b.version) ||
      compare(firstPath(a), firstPath(b)) ||
      compare(a.purl, b.purl) ||
      compare(a.cataloger, b.cataloger),
  );
}

export interface DependencyGraph {
  /** For each package index, the indexes it depends on (sorted, without duplicates or itself). */
  edges: number[][];
  /** For each package index, the dependency names no package of the document matched. */
  unresolved: string[][];
}

export function resolveDependencies(packages: readonly Package[]): DependencyGraph {
  const byKey = new Map<string, number[]>();
  packages.forEach((pkg, i) => {
    const key = `${pkg.type}\u0000${pkg.name}`;
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  });
  const pathOf = (i: number) => firstPath(packages[i]!);
  const finders = new Map<string, NearestByPath>();
  const edges: number[][] = [];
  const unresolved: string[][] = [];
  packages.forEach((pkg, i) => {
    const targets = new Set<number>();
    const missing = new Set<string>();
    const from = firstPath(pkg);
    for (const name of pkg.dependsOn ?? []) {
      const key = `${pkg.type}\u0000${name}`;
      const members = byKey.get(key);
      let finder = finders.get(key);
      if (members && !finder) {
        finder = new NearestByPath(members, pathOf);
        finders.set(key, finder);
      }
      const best = finder?.nearest(from, i);
      if (best === undefined) missing.add(name);
      else targets.add(best);
    }
    edges.push([...targets].sort((a, b) => a - b));
    unresolved.push([...missing]);
  });
  return { edges, unresolved };
}
