/**
 * Codes of the walker's warnings. A warning either only informs (an odd but harmless entry) or
 * says that data was dropped: bytes a cataloger asked for were not read, so packages can be missing
 * from the SBOM. The second kind makes a scan incomplete (sbom/ `INCOMPLETE_WARNING_CODES`), which
 * every gate treats as failing unless its policy accepts incomplete scans.
 *
 * - FILE_TOO_LARGE: a file a cataloger selected is over `maxFileBytes` and was not read (drops data).
 * - LINK_UNRESOLVED: a hardlink to nothing, or bytes a link made wanted not found again (drops data).
 * - LINK_LOOP: a symlink needs more than 40 hops, or an entry sits under a symlink loop (drops data).
 * - LINK_LIMIT: more linked paths than `maxLinkedPaths` (drops data).
 * - PATH_ESCAPES: an entry name or link target climbs out of the root; read inside it (informs).
 * - ENTRY_SKIPPED: an entry of a type we do not record (a socket, a GNU extension) (informs).
 * - DEVICE_FILE: a device node outside /dev, recorded and never read (informs).
 * - DUPLICATE_ENTRY: one layer writes a path twice; the last one wins, as tar extracts it (informs).
 */
export type WalkWarningCode =
  | "FILE_TOO_LARGE"
  | "LINK_UNRESOLVED"
  | "LINK_LOOP"
  | "LINK_LIMIT"
  | "PATH_ESCAPES"
  | "ENTRY_SKIPPED"
  | "DEVICE_FILE"
  | "DUPLICATE_ENTRY";

/** The walker's warnings that mean bytes a consumer selected were not read. */
export const WALK_DATA_DROPPED: ReadonlySet<WalkWarningCode> = new Set([
  "FILE_TOO_LARGE",
  "LINK_UNRESOLVED",
  "LINK_LOOP",
  "LINK_LIMIT",
]);

/** A warning callback: the message for people, and a code for machines when the warning has one. */
export type WarnFn = (message: string, code?: WalkWarningCode) => void;
