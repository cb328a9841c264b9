import type { FileInfo } from "../oci/index.js";

/**
 * What an SBOM knows: packages found in an image, where each came from, and the operating system.
 * This is the contract between catalogers (producers), SBOM formats (writers and readers) and
 * vulnerability matching (consumer).
 */

/** Package types, spelled as the purl spec's types (github.com/package-url/purl-spec). */
export type PackageType =
  | "deb"
  | "apk"
  | "rpm"
  | "npm"
  | "pypi"
  | "golang"
  | "maven"
  | "gem"
  | "cargo"
  | "nuget"
  | "composer";

/** Where a package was recorded: the file, and the layer that last wrote that file. */
export interface PackageLocation {
  path: string;
  layerIndex?: number;
  layerDigest?: string;
}

export interface Package {
  type: PackageType;
  /**
   * The name as the ecosystem's advisory database spells it (OSV `affected.package.name`):
   * npm "@scope/name", Maven "groupId:artifactId", Go the module path, dpkg/apk/rpm the binary
   * package name (the source package is in `source`).
   */
  name: string;
  version: string;
  /** Package URL (packageurl-js), with distro/arch qualifiers for distribution packages. */
  purl: string;
  /** SPDX expressions or licence names as the package records them; empty when none is recorded. */
  licenses: string[];
  /** The source package of a distribution package (dpkg Source, apk origin, rpm source rpm name). */
  source?: { name: string; version?: string };
  arch?: string;
  /** Which cataloger found it (the cataloger's `name`). */
  cataloger: string;
  locations: PackageLocation[];
  /** Names (as in `name`) of packages of the same ecosystem this one depends on, when recorded. */
  dependsOn?: string[];
  /** Small ecosystem-specific facts worth keeping (epoch, release, main module, ...). */
  metadata?: Record<string, string>;
}

/** The operating system, from /etc/os-release (or the distribution's own release files). */
export interface Distro {
  /** os-release ID: "debian", "ubuntu", "alpine", "rhel", "centos", "rocky", "almalinux", "fedora", "amzn", "opensuse-leap", "wolfi", ... */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  idLike?: string[];
}

/** Builds a location from the walker's file record. */
export function locationOf(file: FileInfo): PackageLocation {
  return { path: file.path, layerIndex: file.layerIndex, layerDigest: file.layerDigest };
}
