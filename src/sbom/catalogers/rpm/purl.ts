import { PackageURL } from "packageurl-js";
import { distroQualifier } from "../../distro/purl-qualifier.js";
import type { Distro } from "../../model.js";
import type { RpmEntry } from "./entry.js";

/**
 * purl for an rpm (purl spec, types/rpm-definition): namespace is the vendor/distro id
 * ("rhel", "fedora", "opensuse"), version is "<version>-<release>", and the epoch is a qualifier,
 * not part of the version; `upstream` is the source rpm file name, as syft and trivy write it.
 * Without a known distro the namespace is left out rather than guessed.
 */
export function rpmPurl(entry: RpmEntry, distro: Distro | undefined): string {
  const qualifiers: Record<string, string> = {};
  if (entry.arch) qualifiers.arch = entry.arch;
  if (entry.epoch !== undefined) qualifiers.epoch = String(entry.epoch);
  if (entry.sourceRpm) qualifiers.upstream = entry.sourceRpm;
  const distroValue = distroQualifier(distro);
  if (distroValue) qualifiers.distro = distroValue;
  const version = `${entry.version}-${entry.release}`;
  return new PackageURL("rpm", distro?.id, entry.name, version, qualifiers, undefined).toString();
}
