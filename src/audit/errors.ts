import { PortcullisError } from "../core/index.js";

/** INVALID_ARGUMENT: a record or a filter that cannot be stored or applied (an unknown gate, a bad time). */
export type AuditErrorCode = "INVALID_ARGUMENT";

export class AuditError extends PortcullisError<AuditErrorCode> {}
