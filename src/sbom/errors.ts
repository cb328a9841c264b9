import { PortcullisError } from "../core/index.js";

/**
 * Codes of the SBOM domain: SBOM_INVALID for a CycloneDX or SPDX document that cannot be read
 * (the message says where), FORMAT_UNSUPPORTED for a format or spec version we do not handle.
 */
export type SbomErrorCode = "SBOM_INVALID" | "FORMAT_UNSUPPORTED";

export class SbomError extends PortcullisError<SbomErrorCode> {}
