import { PortcullisError } from "../core/index.js";

/**
 * Codes for the runtime domain (ingestion of outside events).
 * - RUNTIME_INPUT_INVALID: the body is not the shape its source sends (not JSON, a field of the wrong
 *   type, a time that is not RFC 3339). The whole batch is refused: nothing of it may be stored.
 * - RUNTIME_INPUT_TOO_LARGE: the body is well formed but past a bound (too many alerts or items, a
 *   field or an event's normalised payload too long). Also refused whole.
 */
export type RuntimeErrorCode = "RUNTIME_INPUT_INVALID" | "RUNTIME_INPUT_TOO_LARGE";

export class RuntimeError extends PortcullisError<RuntimeErrorCode> {}
