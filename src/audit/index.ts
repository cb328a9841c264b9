/**
 * audit: the append-only, hash-chained log of gate decisions (CI, registry push and pull, admission),
 * kept in the metadata database, and the checkpoints of its head kept outside it; and the Merkle-tree core
 * (RFC 9162 proofs, C2SP signed checkpoints) the log will move onto.
 */
export { type AuditCheckpoint, formatCheckpoint, parseCheckpoints } from "./checkpoint.js";
export {
  AUDIT_GATES,
  type AuditEntry,
  type AuditGate,
  type AuditRecord,
  type AuditRule,
  canonicalBytes,
  entryHash,
  GENESIS_HASH,
} from "./entry.js";
export { AuditError, type AuditErrorCode } from "./errors.js";
export {
  type AuditEffect,
  type AuditFilter,
  AuditLog,
  type AuditPage,
  type ChainVerification,
  MAX_PER_PAGE,
  type VerifyOptions,
} from "./log.js";
export {
  consistencyProof,
  formatTreeCheckpoint,
  inclusionProof,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  MERKLE_EMPTY_ROOT,
  MemoryTree,
  MerkleError,
  type MerkleErrorCode,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  type NoteSignature,
  NoteSigner,
  NoteVerifier,
  type OpenedNote,
  openNote,
  openTreeCheckpoint,
  type ParsedNote,
  type PerfectSubtree,
  parseNote,
  parseTreeCheckpoint,
  rootFromInclusionProof,
  signNote,
  signTreeCheckpoint,
  type TreeCheckpoint,
  type TreeReader,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeInclusion,
} from "./merkle/index.js";
export {
  canonicalJson,
  EventRecord,
  encodeLeaf,
  type JsonValue,
  loadRecordSigner,
  MAX_PAYLOAD_BYTES,
  MAX_RECORD_PAGE,
  RECORD_KEY_NAME,
  RECORD_KINDS,
  type RecordEntry,
  type RecordEventInput,
  type RecordKind,
  type RecordOptions,
  type RecordQuery,
  type RecordSource,
  type RecordVerification,
  type StoredLeaf,
  verifyRecord,
} from "./record/index.js";
export { parseSince } from "./since.js";
