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

/**
 * Codes for reading images (oci/client, oci/sources, oci/image). A separate union because the OCI
 * union above is fixed; `server/` maps these only where an image read surfaces over HTTP.
 * - IMAGE_NOT_FOUND: the reference, tag or blob does not exist (names repo:ref or the path).
 * - IMAGE_UNREADABLE: the source exists but is malformed (bad index.json, missing blob, bad tar).
 * - PLATFORM_NOT_FOUND: an index has no manifest for the wanted platform.
 * - BLOB_DIGEST_MISMATCH: bytes read do not hash to the digest that named them.
 * - LAYER_REFUSED: a layer was not walked (digest mismatch, unknown compression).
 * - LAYER_TRUNCATED: a layer's compressed or tar stream ended early.
 * - LAYER_LIMIT_EXCEEDED: a walk limit (bytes per layer, compression ratio, entries) was hit.
 * - AUTH_FAILED, REGISTRY_UNREACHABLE, REGISTRY_ERROR: the registry client's failures.
 * - CREDENTIALS_UNSUPPORTED: the host's credentials are only in a credential helper.
 */
export type ImageErrorCode =
  | "IMAGE_NOT_FOUND"
  | "IMAGE_UNREADABLE"
  | "PLATFORM_NOT_FOUND"
  | "BLOB_DIGEST_MISMATCH"
  | "LAYER_REFUSED"
  | "LAYER_TRUNCATED"
  | "LAYER_LIMIT_EXCEEDED"
  | "AUTH_FAILED"
  | "REGISTRY_UNREACHABLE"
  | "REGISTRY_ERROR"
  | "CREDENTIALS_UNSUPPORTED";

export class ImageError extends PortcullisError<ImageErrorCode> {}
