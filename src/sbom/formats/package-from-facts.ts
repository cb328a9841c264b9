import type { Distro, Package, PackageLocation } from "../model.js";
import { decodeFacts } from "./package-facts.js";
import { type NameValue, propertyValue } from "./properties.js";
import { distroFromQualifier, type PurlIdentity, purlIdentity, upstreamSource } from "./purl.js";

/**
 * Builds a Package from what a CycloneDX component or SPDX package says about it. Our own facts
 * (package-facts.ts) win; otherwise the shapes other tools write are understood:
 *  - Trivy: "aquasecurity:trivy:SrcName" / "SrcVersion" / "SrcRelease" / "SrcEpoch", "FilePath",
 *    "LayerDigest", "PkgType" (CycloneDX properties; in SPDX the same as "Name: value" attribution texts);
 *  - syft: "syft:package:foundBy", "syft:location:N:path", "syft:location:N:layerID",
 *    "syft:metadata:source", "syft:metadata:sourceVersion", "syft:metadata:originPackage";
 *  - the purl's `upstream` qualifier (syft) for the source package, `arch` for the architecture.
 */

export interface ForeignPackage {
  purl?: string | undefined;
  version?: string | undefined;
  licenses: string[];
  props: NameValue[];
}

export interface BuiltPackage {
  pkg: Package;
  /** The distribution named by the purl's `distro` qualifier, when any. */
  distro?: Distro;
}

const TRIVY = "aquasecurity:trivy:";
const SYFT_LOCATION = /^syft:location:(\d+):(path|layerID)$/;

function trivySource(props: readonly NameValue[]): { name: string; version?: string } | undefined {
  const name = propertyValue(props, `${TRIVY}SrcName`);
  if (!name) return undefined;
  let version = propertyValue(props, `${TRIVY}SrcVersion`);
  const release = propertyValue(props, `${TRIVY}SrcRelease`);
  const epoch = propertyValue(props, `${TRIVY}SrcEpoch`);
  if (version && release) version = `${version}-${release}`;
  if (version && epoch && epoch !== "0") version = `${epoch}:${version}`;
  return version ? { name, version } : { name };
}

function syftSource(props: readonly NameValue[]): { name: string; version?: string } | undefined {
  const name =
    propertyValue(props, "syft:metadata:source") ?? propertyValue(props, "syft:metadata:originPackage");
  if (!name) return undefined;
  const version = propertyValue(props, "syft:metadata:sourceVersion");
  return version ? { name, version } : { name };
}

function foreignLocations(props: readonly NameValue[]): PackageLocation[] {
  const byIndex = new Map<number, { path?: string; layer?: string }>();
  for (const { name, value } of props) {
    const m = SYFT_LOCATION.exec(name);
    if (!m) continue;
    const entry = byIndex.get(Number(m[1])) ?? {};
    if (m[2] === "path") entry.path = value;
    else entry.layer = value;
    byIndex.set(Number(m[1]), entry);
  }
  const locations: PackageLocation[] = [];
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const { path, layer } = byIndex.get(index)!;
    if (path === undefined) continue;
    locations.push(layer ? { path, layerDigest: layer } : { path });
  }
  if (locations.length > 0) return locations;
  const trivyPath = propertyValue(props, `${TRIVY}FilePath`);
  if (trivyPath) {
    // Trivy writes paths relative to the image root; ours are absolute.
    const path = trivyPath.startsWith("/") ? trivyPath : `/${trivyPath}`;
    const layer = propertyValue(props, `${TRIVY}LayerDigest`);
    return [layer ? { path, layerDigest: layer } : { path }];
  }
  return [];
}

function foreignCataloger(props: readonly NameValue[]): string {
  const syft = propertyValue(props, "syft:package:foundBy");
  if (syft) return syft;
  const trivy = propertyValue(props, `${TRIVY}PkgType`);
  if (trivy) return `trivy:${trivy}`;
  return "sbom";
}

/**
 * The document's own version field first (it keeps an rpm epoch, "1:3.0.7-25.el9_3", that the purl
 * moves into an `epoch` qualifier), then the purl's version with that epoch put back.
 */
function versionOf(identity: PurlIdentity, declared: string | undefined): string {
  if (declared) return declared;
  const version = identity.version ?? "";
  const epoch = identity.qualifiers.epoch;
  if (identity.type === "rpm" && epoch && epoch !== "0" && version !== "" && !version.includes(":")) {
    return `${epoch}:${version}`;
  }
  return version;
}

/** Undefined when the purl is missing or not one of our package types. */
export function packageFromFacts(input: ForeignPackage): BuiltPackage | undefined {
  if (!input.purl) return undefined;
  const identity = purlIdentity(input.purl);
  if (!identity) return undefined;
  const ours = decodeFacts(input.props);
  const isOurs = ours.cataloger !== undefined;
  const pkg: Package = {
    type: identity.type,
    name: identity.name,
    version: versionOf(identity, input.version),
    purl: input.purl,
    licenses: input.licenses,
    cataloger: ours.cataloger ?? foreignCataloger(input.props),
    locations: isOurs ? ours.locations : foreignLocations(input.props),
  };
  const source = isOurs
    ? ours.source
    : (upstreamSource(identity.qualifiers.upstream) ?? trivySource(input.props) ?? syftSource(input.props));
  if (source) pkg.source = source;
  if (identity.qualifiers.arch) pkg.arch = identity.qualifiers.arch;
  if (ours.metadata) pkg.metadata = ours.metadata;
  if (ours.unresolved.length > 0) pkg.dependsOn = [...ours.unresolved];
  const built: BuiltPackage = { pkg };
  const distro = distroFromQualifier(identity.qualifiers.distro, identity.namespace);
  if (distro) built.distro = distro;
  return built;
}

/**
 * Dependency names gathered while a document is read (addDependency) and tidied once at the end
 * (normaliseDependencies): sorted, without duplicates or the package's own name, beside the unresolved
 * names its facts kept. Appending and sorting once makes a package with 50,000 dependencies, or a
 * document repeating one edge, cost n log n (re-sorting the whole list on every edge was quadratic),
 * and keeps a million-package document from holding a Set per package.
 */
export function addDependency(from: Package, name: string): void {
  if (from.dependsOn) from.dependsOn.push(name);
  else from.dependsOn = [name];
}

/** Sorts and de-duplicates `dependsOn` of every package, dropping its own name, and empty lists. */
export function normaliseDependencies(packages: readonly Package[]): void {
  for (const pkg of packages) {
    const names = pkg.dependsOn;
    if (names === undefined) continue;
    names.sort();
    let kept = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name === pkg.name || (kept > 0 && names[kept - 1] === name)) continue;
      names[kept++] = name;
    }
    names.length = kept;
    if (kept === 0) delete pkg.dependsOn;
  }
}
