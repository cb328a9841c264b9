import { PackageURL } from "packageurl-js";
import { distroQualifier } from "../../distro/purl-qualifier.js";
import type { Distro } from "../../model.js";
import type { DpkgEntry } from "./status.js";

/**
 * purl for a Debian package, per the purl spec's deb type
 * (github.com/package-url/purl-spec, types/deb-definition): namespace is the vendor ("debian",
 * "ubuntu"), qualifiers `arch` and `distro`; `upstream` names the source package when it differs
 * (with "@<version>" when the source version differs too), as syft writes it.
 */
export function dpkgPurl(entry: DpkgEntry, distro: Distro | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (entry.arch) qualifiers.arch = entry.arch;
  const distroValue = distroQualifier(distro);
  if (distroValue) qualifiers.distro = distroValue;
  if (entry.sourceName !== entry.name || entry.sourceVersion !== entry.version) {
    qualifiers.upstream =
      entry.sourceVersion === entry.version ? entry.sourceName : `${entry.sourceName}@${entry.sourceVersion}`;
  }
  return new PackageURL(
    "deb",
    distro?.id ?? "debian",
    entry.name,
    entry.version,
    qualifiers,
    undefined,
  ).toString();
}
