import { PortcullisError } from "../core/index.js";

/**
 * Codes of the vulnerability domain: VERSION_INVALID for a version a scheme cannot read,
 * ADVISORY_INVALID for an advisory record that breaks the OSV schema (the message names the file),
 * ADVISORY_FOREIGN for a record of another ecosystem than its archive declares, ARCHIVE_INVALID for
 * a malformed or hostile ZIP archive (overlapping entries, lying sizes, truncated fields),
 * IMPORT_LIMIT for an archive over the decompressed-bytes budget,
 * IMPORT_FAILED for an import that was rolled back, DATABASE_MISSING when no advisory database has
 * been imported yet, DATABASE_EMPTY when the database holds no advisories (an import of nothing: a
 * scan against it would say "no vulnerabilities" without having matched anything), NETWORK_UNAVAILABLE when `db update` cannot reach the feed, VEX_INVALID for a
 * malformed OpenVEX document, STANDARDS_INVALID for a standards file that
 * breaks its schema (the message names file, line and key).
 */
export type VulnErrorCode =
  | "VERSION_INVALID"
  | "ADVISORY_INVALID"
  | "ADVISORY_FOREIGN"
  | "ARCHIVE_INVALID"
  | "IMPORT_LIMIT"
  | "IMPORT_FAILED"
  | "DATABASE_MISSING"
  | "DATABASE_EMPTY"
  | "NETWORK_UNAVAILABLE"
  | "VEX_INVALID"
  | "STANDARDS_INVALID";

export class VulnError extends PortcullisError<VulnErrorCode> {}
