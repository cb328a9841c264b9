import { PackageURL } from "packageurl-js";
import { distroQualifier } from "../../distro/purl-qualifier.js";
import type { Distro } from "../../model.js";
import type { ApkEntry } from "./installed.js";

/**
 * purl for an Alpine package (purl spec, types/apk-definition): namespace is the vendor
 * ("alpine", "wolfi", "chainguard"), qualifiers `arch` and `distro`; `upstream` names the origin
 * package when it differs, as syft writes it.
 */
export function apkPurl(entry: ApkEntry, distro: Distro | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (entry.arch) qualifiers.arch = entry.arch;
  const distroValue = distroQualifier(distro);
  if (distroValue) qualifiers.distro = distroValue;
  if (entry.origin && entry.origin !== entry.name) qualifiers.upstream = entry.origin;
  return new PackageURL(
    "apk",
    distro?.id ?? "alpine",
    entry.name,
    entry.version,
    qualifiers,
    undefined,
  ).toString();
}
