import { PortcullisError } from "../core/index.js";

/**
 * INVALID_ARGUMENT: a record or a filter that cannot be stored or applied (an unknown gate, a bad time).
 * NOT_FOUND: no such entry, or a tree size the record has not reached.
 * RECORD_DAMAGED: the stored record lacks a node it must hold (its tables were edited or truncated).
 */
export type AuditErrorCode = "INVALID_ARGUMENT" | "NOT_FOUND" | "RECORD_DAMAGED";

export class AuditError extends PortcullisError<AuditErrorCode> {}
