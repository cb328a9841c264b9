import type { Package, PackageLocation } from "../model.js";
import {
  LOCATION_PROP,
  locationProp,
  METADATA_PREFIX,
  metadataProp,
  type NameValue,
  PROP,
  propertyValue,
} from "./properties.js";

/**
 * The facts of a Package that neither CycloneDX nor SPDX has a field for (cataloger, locations,
 * source package, metadata, unresolved dependencies), as name/value pairs in a fixed order; and
 * back. Both writers emit the same pairs, so both readers share this one decoder.
 */

export function packageFacts(pkg: Package, unresolved: readonly string[] = []): NameValue[] {
  const facts: NameValue[] = [{ name: PROP.cataloger, value: pkg.cataloger }];
  if (pkg.source) {
    facts.push({ name: PROP.sourceName, value: pkg.source.name });
    if (pkg.source.version !== undefined) facts.push({ name: PROP.sourceVersion, value: pkg.source.version });
  }
  pkg.locations.forEach((loc, i) => {
    facts.push({ name: locationProp(i, "path"), value: loc.path });
    if (loc.layerIndex !== undefined)
      facts.push({ name: locationProp(i, "layerIndex"), value: String(loc.layerIndex) });
    if (loc.layerDigest !== undefined)
      facts.push({ name: locationProp(i, "layerDigest"), value: loc.layerDigest });
  });
  for (const key of Object.keys(pkg.metadata ?? {}).sort()) {
    facts.push({ name: metadataProp(key), value: pkg.metadata![key]! });
  }
  for (const name of unresolved) facts.push({ name: PROP.unresolvedDependency, value: name });
  return facts;
}

export interface DecodedFacts {
  cataloger?: string;
  source?: { name: string; version?: string };
  locations: PackageLocation[];
  metadata?: Record<string, string>;
  unresolved: string[];
}

export function decodeFacts(props: readonly NameValue[]): DecodedFacts {
  const decoded: DecodedFacts = { locations: [], unresolved: [] };
  const cataloger = propertyValue(props, PROP.cataloger);
  if (cataloger !== undefined) decoded.cataloger = cataloger;
  const sourceName = propertyValue(props, PROP.sourceName);
  if (sourceName !== undefined) {
    const version = propertyValue(props, PROP.sourceVersion);
    decoded.source = version === undefined ? { name: sourceName } : { name: sourceName, version };
  }
  const locations = new Map<number, Partial<PackageLocation>>();
  const metadata: Record<string, string> = {};
  for (const { name, value } of props) {
    const loc = LOCATION_PROP.exec(name);
    if (loc) {
      const index = Number(loc[1]);
      const entry = locations.get(index) ?? {};
      if (loc[2] === "path") entry.path = value;
      else if (loc[2] === "layerDigest") entry.layerDigest = value;
      else if (/^\d+$/.test(value)) entry.layerIndex = Number(value);
      locations.set(index, entry);
    } else if (name.startsWith(METADATA_PREFIX)) {
      metadata[name.slice(METADATA_PREFIX.length)] = value;
    } else if (name === PROP.unresolvedDependency) {
      decoded.unresolved.push(value);
    }
  }
  for (const index of [...locations.keys()].sort((a, b) => a - b)) {
    const entry = locations.get(index)!;
    if (entry.path === undefined) continue;
    const location: PackageLocation = { path: entry.path };
    if (entry.layerIndex !== undefined) location.layerIndex = entry.layerIndex;
    if (entry.layerDigest !== undefined) location.layerDigest = entry.layerDigest;
    decoded.locations.push(location);
  }
  if (Object.keys(metadata).length > 0) decoded.metadata = metadata;
  return decoded;
}
