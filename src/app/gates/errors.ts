import { PortcullisError } from "../../core/index.js";

/**
 * Codes of the gates: KEY_UNREADABLE when a key the policy names cannot be read or parsed (a
 * configuration error, reported before any decision), INVALID_REFERENCE when the image to decide about
 * is not a valid reference, INVALID_ARGUMENT for bad options. A scan source read over HTTP throws
 * SCAN_FAILED when the server says the image's scan failed and SCAN_UNAVAILABLE when it cannot be read;
 * its occurrences, OCCURRENCES_UNAVAILABLE.
 */
export type GateErrorCode =
  | "KEY_UNREADABLE"
  | "INVALID_REFERENCE"
  | "INVALID_ARGUMENT"
  | "SCAN_FAILED"
  | "SCAN_UNAVAILABLE"
  | "OCCURRENCES_UNAVAILABLE";

export class GateError extends PortcullisError<GateErrorCode> {}
