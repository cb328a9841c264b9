/**
 * audit: the append-only, hash-chained log of gate decisions (CI, registry push and pull, admission),
 * kept in the metadata database, and the checkpoints of its head kept outside it.
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
export { parseSince } from "./since.js";
