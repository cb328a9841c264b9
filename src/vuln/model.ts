/**
 * The vulnerability domain's own view of its input and output. `vuln/` sits on the same row as
 * `sbom/` and may not import it, so the input types below are the structural subset of sbom's
 * `Package` and `Distro` that matching reads: an sbom `Package[]` is assignable to
 * `MatchablePackage[]` without conversion.
 */

export interface MatchableLocation {
  path: string;
  layerIndex?: number;
  layerDigest?: string;
}

export interface MatchablePackage {
  /** purl type: "deb", "apk", "rpm", "npm", "pypi", "golang", "maven", "gem", "cargo", "nuget", "composer". */
  type: string;
  name: string;
  version: string;
  purl: string;
  /** The source package of a distribution package (dpkg Source, apk origin, rpm source rpm name). */
  source?: { name: string; version?: string };
  locations: MatchableLocation[];
  metadata?: Record<string, string>;
}

export interface MatchableDistro {
  /** os-release ID: "debian", "ubuntu", "alpine", "rhel", "rocky", "almalinux", "wolfi", ... */
  id: string;
  versionId?: string;
  versionCodename?: string;
  idLike?: string[];
}

/** Rating bands of CVSS v3/v4 (FIRST specification, "Qualitative Severity Rating Scale"). */
export type SeverityRating = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "UNKNOWN";

export interface CvssScore {
  /** "3.0", "3.1", "4.0" or "2.0". */
  version: string;
  vector: string;
  score: number;
}

export type VexStatus = "not_affected" | "affected" | "fixed" | "under_investigation";

/** What an OpenVEX statement said about a finding. */
export interface VexAnnotation {
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  /** The document's `@id`, when it has one. */
  document?: string;
}

export interface Finding {
  /** The CVE id when one is known, else the advisory's own id. */
  id: string;
  /** Every other id of the same vulnerability in the same package (GHSA, PYSEC, GO, DSA, ...). */
  aliases: string[];
  package: {
    /** Index into the `packages` array given to `matchPackages`. */
    index: number;
    name: string;
    type: string;
    purl: string;
    /** The OSV ecosystem and package name the lookup used ("Debian:12", "bash"). */
    ecosystem: string;
    advisoryName: string;
    locations: MatchableLocation[];
  };
  installedVersion: string;
  /** The lowest fixed version above the installed one, when an advisory names one. */
  fixedVersion?: string;
  severity: SeverityRating;
  cvss?: CvssScore;
  summary?: string;
  references: string[];
  /** Set by `applyVex`. */
  vex?: VexAnnotation;
  /** True when a VEX statement says not_affected or fixed. */
  suppressed?: boolean;
}
