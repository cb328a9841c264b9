import { PortcullisError } from "../core/index.js";

/**
 * Codes of the grafeas domain: INVALID_ARGUMENT for a malformed occurrence, note or filter (the server
 * answers 400 and stores nothing).
 */
export type GrafeasErrorCode = "INVALID_ARGUMENT";

export class GrafeasError extends PortcullisError<GrafeasErrorCode> {
  constructor(message: string) {
    super("INVALID_ARGUMENT", message);
  }
}
