/**
 * audit: the append-only, hash-chained log of gate decisions (CI, registry push and pull, admission),
 * kept in the metadata database.
 */
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
export { type AuditFilter, AuditLog, type ChainVerification } from "./log.js";
export { parseSince } from "./since.js";
