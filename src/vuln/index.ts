export {
  AdvisoryDatabase,
  type EcosystemStatus,
  type OpenOptions,
  openAdvisoryDatabase,
  openAdvisoryDatabaseForScan,
  type SourceStatus,
} from "./db/database.js";
export type { AffectedEntry, StoredAdvisory, StoredSeverity } from "./db/rows.js";
export { VulnError, type VulnErrorCode } from "./errors.js";
export { matchPackages } from "./matching/match.js";
export type { MatchOptions, MatchResult } from "./matching/matcher.js";
export type {
  CvssScore,
  Finding,
  MatchableDistro,
  MatchableLocation,
  MatchablePackage,
  SeverityRating,
  VexAnnotation,
  VexStatus,
} from "./model.js";
export { ratingFromScore, scoreVector } from "./severity/cvss.js";
export { assessSeverity } from "./severity/severity.js";
export { DEFAULT_OSV_ECOSYSTEMS, OSV_BUCKET, type UpdateOptions, updateOsv } from "./sources/osv/download.js";
export {
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  importOsv,
  MAX_CLOCK_SKEW_MS,
} from "./sources/osv/import.js";
export { DEFAULT_MAX_ARCHIVE_BYTES } from "./sources/osv/inputs.js";
export { type OsvRecord, osvRecordSchema, validateOsvRecord } from "./sources/osv/schema.js";
export { osvSource } from "./sources/osv/source.js";
export type { AdvisorySource } from "./sources/source.js";
export {
  checkStandards,
  type ForbiddenPackage,
  loadStandards,
  type MinimumVersion,
  parseStandards,
  type SchemeLookup,
  type StandardSeverity,
  type Standards,
  type StandardsPackage,
  type StandardsSubject,
  type Violation,
  type ViolationRule,
} from "./standards/index.js";
export {
  schemeById,
  schemeForEcosystem,
  schemeForPackageType,
  supportedEcosystems,
  type VersionScheme,
  versionSchemes,
} from "./versioning/index.js";
export { applyVex } from "./vex/apply.js";
export { MAX_VEX_BYTES, parseOpenVex } from "./vex/parse.js";
export type { OpenVexDocument } from "./vex/schema.js";
