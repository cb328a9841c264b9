import { PortcullisError } from "../core/index.js";

/**
 * Codes of the evidence domain: EVIDENCE_TIMEOUT when a source did not answer in time,
 * EVIDENCE_UNAVAILABLE when a source failed or is not configured, INVALID_ARGUMENT for bad options.
 * `gatherFacts` never throws them: it records them in `errors` and the policy's failurePolicy decides.
 */
export type EvidenceErrorCode = "EVIDENCE_TIMEOUT" | "EVIDENCE_UNAVAILABLE" | "INVALID_ARGUMENT";

export class EvidenceError extends PortcullisError<EvidenceErrorCode> {}
