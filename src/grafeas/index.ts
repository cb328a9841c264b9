/**
 * The Grafeas v1 view of Portcullis's evidence: pure translation from what is known about an image
 * (scan, SBOM, provenance, signatures, attestations, admissions, base image) to Grafeas notes and
 * occurrences, the list filter subset we answer, and the checks outside occurrences pass.
 */
export { deriveOccurrences, grafeasSeverity } from "./derive.js";
export { GrafeasError, type GrafeasErrorCode } from "./errors.js";
export type {
  AttestationRecord,
  DecisionRecord,
  FindingRecord,
  ImageEvidence,
  PackageRecord,
  ProvenanceRecord,
  ScanRecord,
  SignatureRecord,
} from "./evidence.js";
export { matchesFilter, type OccurrenceFilter, parseFilter } from "./filter.js";
export {
  type GrafeasDetail,
  type GrafeasNote,
  type GrafeasOccurrence,
  type GrafeasSeverity,
  KIND_FIELD,
  NOTE_KINDS,
  type NoteKind,
  type VulnerabilitySummary,
} from "./model.js";
export {
  ADVISORY_PROJECT,
  ANALYSIS_NOTES,
  ANALYSIS_PROJECT,
  type AnalysisNote,
  advisoryNoteId,
  type DerivedKey,
  derivedOccurrenceId,
  type ImageResource,
  isGrafeasId,
  noteName,
  occurrenceName,
  parseDerivedOccurrenceId,
  parseNoteName,
  parseResourceUri,
  projectOfRepository,
  RESERVED_PROJECTS,
  resourceUri,
} from "./names.js";
export { advisoryNote, analysisNote, analysisNotes } from "./notes.js";
export { vulnerabilitySummary } from "./summary.js";
export {
  MAX_DETAIL_BYTES,
  type NoteInput,
  type OccurrenceInput,
  validateNote,
  validateOccurrence,
} from "./validate.js";
