import { PortcullisError } from "../../core/index.js";

/**
 * Codes of the gates: KEY_UNREADABLE when a key the policy names cannot be read or parsed (a
 * configuration error, reported before any decision), INVALID_REFERENCE when the image to decide about
 * is not a valid reference, INVALID_ARGUMENT for bad options.
 */
export type GateErrorCode = "KEY_UNREADABLE" | "INVALID_REFERENCE" | "INVALID_ARGUMENT";

export class GateError extends PortcullisError<GateErrorCode> {}
