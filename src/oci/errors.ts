import { PortcullisError } from "../core/index.js";

/**
 * Codes for the OCI ground layer. They are named after the distribution spec's wire error codes so
 * `server/` can map them one to one (NAME_INVALID, TAG_INVALID, MANIFEST_INVALID, DIGEST_INVALID);
 * REFERENCE_INVALID covers full image references (`registry/repo:tag@digest`), which never travel
 * on the wire, and DIGEST_UNSUPPORTED an algorithm other than sha256/sha512.
 */
export type OciErrorCode =
  | "NAME_INVALID"
  | "TAG_INVALID"
  | "REFERENCE_INVALID"
  | "MANIFEST_INVALID"
  | "DIGEST_INVALID"
  | "DIGEST_UNSUPPORTED";

export class OciError extends PortcullisError<OciErrorCode> {}

/** Quotes user input for an error message: JSON-escaped and cut to a readable length. */
export function quote(input: string, max = 80): string {
  return JSON.stringify(input.length > max ? `${input.slice(0, max)}…` : input);
}
