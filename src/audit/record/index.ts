/**
 * audit/record: the one record of every event (issue 15), an append-only Merkle log in the metadata
 * database with signed checkpoints and proofs, over the pure core in audit/merkle.
 */
export {
  canonicalJson,
  encodeLeaf,
  type JsonValue,
  MAX_PAYLOAD_BYTES,
  RECORD_KINDS,
  type RecordEntry,
  type RecordEventInput,
  type RecordKind,
} from "./entry.js";
export { type ExportOptions, type ExportTrailer, exportRecord } from "./export.js";
export { type ForwarderOptions, parseSyslogUrl, RecordForwarder, type SyslogTarget } from "./forward.js";
export { loadRecordSigner, RECORD_KEY_NAME, storedRecordVerifier } from "./key.js";
export { leafIncluded } from "./proofs.js";
export { type PruneOptions, type PruneResult, pruneRecord } from "./prune.js";
export {
  EventRecord,
  MAX_RECORD_PAGE,
  type PrunedEntry,
  type RecordOptions,
  type RecordQuery,
  type RecordTimeline,
} from "./record.js";
export { octetFrame, readFrames, SYSLOG_SD_ID, type SyslogFormat, syslogMessage } from "./syslog.js";
export {
  MAX_TIMELINE_PAGE,
  type TimelineCursor,
  type TimelineEntry,
  type TimelineScope,
} from "./timeline.js";
export {
  extensionProblem,
  hexToHash,
  type RecordSource,
  type RecordVerification,
  type StoredLeaf,
  verifyRecord,
} from "./verify.js";
