import type { Package, PackageLocation } from "./model.js";

/**
 * One package per (type, purl): the same lodash 4.17.21 found in two node_modules folders, or in a
 * folder and a lockfile, is one package with two locations. Matching then reports one finding per
 * vulnerability and package, and the locations say where to fix it. Output is sorted for stable SBOMs.
 */
export function mergePackages(found: readonly Package[]): Package[] {
  const byKey = new Map<string, Merging>();
  for (const pkg of found) {
    const key = `${pkg.type}\0${pkg.purl}`;
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, {
        pkg: { ...pkg, locations: [...pkg.locations], licenses: [...pkg.licenses] },
        locations: new Set(pkg.locations.map(locationKey)),
        licenses: new Set(pkg.licenses),
        dependsOn: new Set(pkg.dependsOn),
        dependsOnMerged: false,
      });
      continue;
    }
    // Sets beside the lists: the same package found 20,000 times (one node_modules copy per app)
    // must not rescan its growing lists on every copy.
    for (const location of pkg.locations) {
      const locKey = locationKey(location);
      if (seen.locations.has(locKey)) continue;
      seen.locations.add(locKey);
      seen.pkg.locations.push(location);
    }
    for (const license of pkg.licenses) {
      if (seen.licenses.has(license)) continue;
      seen.licenses.add(license);
      seen.pkg.licenses.push(license);
    }
    if (pkg.dependsOn?.length) {
      for (const name of pkg.dependsOn) seen.dependsOn.add(name);
      seen.dependsOnMerged = true;
    }
  }
  const merged = [...byKey.values()].map((m) => {
    if (m.dependsOnMerged) m.pkg.dependsOn = [...m.dependsOn];
    return m.pkg;
  });
  for (const pkg of merged) pkg.locations.sort((a, b) => compare(a.path, b.path));
  return merged.sort(
    (a, b) =>
      compare(a.type, b.type) ||
      compare(a.name, b.name) ||
      compare(a.version, b.version) ||
      compare(a.purl, b.purl),
  );
}

/** A package being merged, with Sets of what its lists already hold. */
interface Merging {
  pkg: Package;
  locations: Set<string>;
  licenses: Set<string>;
  dependsOn: Set<string>;
  /** Whether a later copy brought dependencies (then `dependsOn` is rewritten from the Set). */
  dependsOnMerged: boolean;
}

/** Two locations are the same when path and layer index agree (the layer digest follows from them). */
function locationKey(location: PackageLocation): string {
  return `${location.layerIndex ?? ""}\0${location.path}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
