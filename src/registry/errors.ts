import { PortcullisError } from "../core/index.js";

/**
 * The registry's error codes. They follow the OCI Distribution specification's codes
 * (spec.md "Error Codes") plus a few of our own; `server/` maps each to its wire code and status.
 */
export type RegistryErrorCode =
  | "BLOB_UNKNOWN"
  | "BLOB_UPLOAD_INVALID"
  | "BLOB_UPLOAD_UNKNOWN"
  | "DIGEST_INVALID"
  | "MANIFEST_BLOB_UNKNOWN"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNKNOWN"
  | "NAME_INVALID"
  | "NAME_UNKNOWN"
  | "SIZE_INVALID"
  | "TAG_INVALID"
  | "UNSUPPORTED"
  | "DENIED"
  | "RANGE_INVALID"
  | "MANIFEST_TOO_LARGE"
  | "UNAUTHORIZED"
  | "RETENTION_INVALID"
  /** Another replica or process is collecting garbage (one at a time: registry/gc-lock.ts). */
  | "GC_RUNNING";

export class RegistryError extends PortcullisError<RegistryErrorCode> {}
