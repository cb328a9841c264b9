/**
 * The contract between layer walking (oci/image) and the catalogers (sbom/catalogers): what is known
 * about one file of an image's final (squashed) file system. Paths are absolute and normalised
 * ("/var/lib/dpkg/status"): no "." or ".." segments, no trailing slash, no doubled slashes.
 */
export type FileKind = "file" | "directory" | "symlink" | "hardlink" | "device" | "fifo";

export interface FileInfo {
  /** Absolute, normalised path inside the image. */
  path: string;
  kind: FileKind;
  /** Size in bytes of a regular file's content (0 for other kinds). */
  size: number;
  /** Permission bits and set-id bits (`mode & 0o7777`). */
  mode: number;
  /** Target of a symlink or hardlink, as recorded in the layer. */
  linkTarget?: string;
  /** Zero-based index of the layer that last wrote this path. */
  layerIndex: number;
  /** Digest of that layer as the manifest names it (the compressed blob), or "" for a `dir:` root. */
  layerDigest: string;
}

/**
 * Chooses which files' bytes the walker keeps. Called once for every regular file of every layer,
 * before the bytes are read; returning false means the bytes are skipped without being buffered.
 */
export type FileSelector = (file: FileInfo) => boolean;

/**
 * Shrinks a selected file's bytes to what a cataloger needs, right after they are read (for
 * example a Go executable to its build-info blob, a jar to its manifests). Returning undefined
 * keeps nothing, which is how a binary without build info costs no memory.
 */
export type FileReducer = (file: FileInfo, bytes: Buffer) => Buffer | undefined;

/**
 * A link the walker could not resolve within its limits, so a file a consumer wants may be missing
 * from what it kept: a scan that meets one is incomplete (the caller decides how to report that).
 * LINK_LOOP: a symlink needs more than 40 hops (ELOOP); LINK_LIMIT: more linked paths than the walk
 * follows; LINK_UNRESOLVED: a hardlink whose target is absent or a directory, or bytes that could
 * not be found again.
 */
export interface LinkIssue {
  code: "LINK_LOOP" | "LINK_LIMIT" | "LINK_UNRESOLVED";
  /** The path in the image the issue is about. */
  path: string;
  /** The same text the walk's `warn` received. */
  message: string;
}
