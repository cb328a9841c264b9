import { WALK_DATA_DROPPED, type WalkWarningCode } from "../oci/index.js";

/**
 * Codes of the catalogers' warnings (the walker's are oci/image `WalkWarningCode`):
 * - PACKAGE_DB_INVALID: an operating-system package database (dpkg status, apk installed, rpmdb) is
 *   malformed: a paragraph, record or header was unreadable, so its package is missing (drops data).
 * - PACKAGE_DB_TOO_LARGE: a package manifest over its cataloger's size limit was skipped (drops data).
 * - ARCHIVE_LIMIT: a nested Java archive past the depth, entry, ratio or inflation budget was not
 *   read (drops data).
 * - CATALOGER_FAILED: a cataloger threw; the others' packages still count (drops data).
 * - MANIFEST_UNREADABLE: a language manifest (package.json, METADATA, a Go or Rust binary's build
 *   data) could not be parsed. Informs only: node_modules and site-packages routinely carry broken
 *   test fixtures, and whoever controls the image can delete a manifest anyway, so treating these as
 *   incomplete would fail images without making a bypass any harder.
 */
export type CatalogWarningCode =
  | "PACKAGE_DB_INVALID"
  | "PACKAGE_DB_TOO_LARGE"
  | "ARCHIVE_LIMIT"
  | "CATALOGER_FAILED"
  | "MANIFEST_UNREADABLE";

export type SbomWarningCode = WalkWarningCode | CatalogWarningCode;

/** The warning codes that make an SBOM, and every scan report made from it, incomplete. */
export const INCOMPLETE_WARNING_CODES: ReadonlySet<SbomWarningCode> = new Set<SbomWarningCode>([
  ...WALK_DATA_DROPPED,
  "PACKAGE_DB_INVALID",
  "PACKAGE_DB_TOO_LARGE",
  "ARCHIVE_LIMIT",
  "CATALOGER_FAILED",
]);

/**
 * Why an SBOM (and so a scan) is incomplete: the warning's code and its message. Besides the warning
 * codes above, a document read from a file can be incomplete for what the reader could not take in:
 * SBOM_NESTING_LIMIT, CycloneDX components nested past MAX_COMPONENT_DEPTH (formats/cyclonedx/read.ts).
 */
export interface IncompleteReason {
  code: string;
  message: string;
}

/**
 * A document keeps at most this many reasons: a hostile image can produce millions of warnings,
 * and one reason is enough to fail a gate. The flag never depends on the count.
 */
export const MAX_INCOMPLETE_REASONS = 50;

export function dropsData(code: string | undefined): boolean {
  return code !== undefined && INCOMPLETE_WARNING_CODES.has(code as SbomWarningCode);
}
