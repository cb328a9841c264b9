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
export { loadRecordSigner, RECORD_KEY_NAME, storedRecordVerifier } from "./key.js";
export { EventRecord, MAX_RECORD_PAGE, type RecordOptions, type RecordQuery } from "./record.js";
export {
  extensionProblem,
  hexToHash,
  type RecordSource,
  type RecordVerification,
  type StoredLeaf,
  verifyRecord,
} from "./verify.js";
