import type { ApprovedBase } from "../../oci/index.js";
import type { PACKAGE_TYPES, STANDARD_SEVERITIES } from "./schema.js";

export type StandardsPackageType = (typeof PACKAGE_TYPES)[number];
export type StandardSeverity = (typeof STANDARD_SEVERITIES)[number];

export interface ForbiddenPackage {
  /** A package name or glob (`gcc*`, `*-dev`), compared case-insensitively. */
  readonly name: string;
  readonly type?: StandardsPackageType;
  readonly reason?: string;
  readonly severity: StandardSeverity;
}

export interface MinimumVersion {
  readonly name: string;
  /** The lowest acceptable version, in the scheme of the package's ecosystem. */
  readonly version: string;
  readonly type?: StandardsPackageType;
  readonly reason?: string;
  readonly severity: StandardSeverity;
}

export interface Standards {
  readonly forbiddenPackages: readonly ForbiddenPackage[];
  readonly minimumVersions: readonly MinimumVersion[];
  readonly approvedBaseImages: readonly ApprovedBase[];
  readonly requireKnownBase: boolean;
}

/** What the standards are checked against: structurally a subset of sbom's Package. */
export interface StandardsPackage {
  readonly type: string;
  readonly name: string;
  readonly version: string;
  readonly purl?: string;
  readonly locations: readonly { readonly path: string; readonly layerIndex?: number }[];
}

export interface StandardsSubject {
  readonly packages: readonly StandardsPackage[];
  /** The base image as the image records it (OCI `org.opencontainers.image.base.*` annotations or labels). */
  readonly base?: { readonly name?: string; readonly digest?: string };
}

export type ViolationRule = "forbidden-package" | "minimum-version" | "approved-base";

export interface Violation {
  readonly rule: ViolationRule;
  readonly severity: StandardSeverity;
  readonly message: string;
  readonly reason?: string;
  readonly package?: StandardsPackage;
}
