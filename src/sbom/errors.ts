import { PortcullisError } from "../core/index.js";

/**
 * Codes of the SBOM domain:
 * - SBOM_INVALID: a CycloneDX or SPDX document that cannot be read (the message says where).
 * - FORMAT_UNSUPPORTED: a format or spec version we do not handle.
 * - PACKAGE_DB_INVALID: a malformed package database inside an image (dpkg status, apk installed,
 *   rpmdb). A reader throws it for one database; the cataloger turns it into a warning and goes on.
 */
export type SbomErrorCode = "SBOM_INVALID" | "FORMAT_UNSUPPORTED" | "PACKAGE_DB_INVALID";

export class SbomError extends PortcullisError<SbomErrorCode> {}
