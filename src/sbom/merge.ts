import type { Package, PackageLocation } from "./model.js";

/**
 * One package per (type, purl): the same lodash 4.17.21 found in two node_modules folders, or in a
 * folder and a lockfile, is one package with two locations. Matching then reports one finding per
 * vulnerability and package, and the locations say where to fix it. Output is sorted for stable SBOMs.
 */
export function mergePackages(found: readonly Package[]): Package[] {
  const byKey = new Map<string, Package>();
  for (const pkg of found) {
    const key = `${pkg.type}\0${pkg.purl}`;
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, { ...pkg, locations: [...pkg.locations], licenses: [...pkg.licenses] });
      continue;
    }
    for (const location of pkg.locations) {
      if (!seen.locations.some((l) => sameLocation(l, location))) seen.locations.push(location);
    }
    for (const license of pkg.licenses) if (!seen.licenses.includes(license)) seen.licenses.push(license);
    if (pkg.dependsOn?.length) seen.dependsOn = [...new Set([...(seen.dependsOn ?? []), ...pkg.dependsOn])];
  }
  const merged = [...byKey.values()];
  for (const pkg of merged) pkg.locations.sort((a, b) => compare(a.path, b.path));
  return merged.sort(
    (a, b) =>
      compare(a.type, b.type) ||
      compare(a.name, b.name) ||
      compare(a.version, b.version) ||
      compare(a.purl, b.purl),
  );
}

function sameLocation(a: PackageLocation, b: PackageLocation): boolean {
  return a.path === b.path && a.layerIndex === b.layerIndex;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
