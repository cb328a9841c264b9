import type { FileInfo, FileReducer } from "../../oci/index.js";
import type { CatalogWarningCode } from "../completeness.js";
import type { Distro, Package } from "../model.js";

/**
 * Catalogers read files only through a resolver: the squashed file system of an image (or a
 * `dir:` root), holding every path's FileInfo and the bytes of the files some cataloger selected.
 */
export interface FileResolver {
  /**
   * FileInfo of any path in the final file system (selected or not), undefined when absent. Symlinks
   * are followed inside the image root (stat, not lstat) and a hardlink reads as the file it is; the
   * FileInfo's path is the path asked for.
   */
  info(path: string): FileInfo | undefined;
  /** Bytes kept for a selected file (after its cataloger's reducer), undefined otherwise. */
  read(path: string): Buffer | undefined;
  /** Every selected file that still exists in the final file system, in path order. */
  selected(): Iterable<FileInfo>;
  /** Resolves symlinks (relative and absolute, within the image root) to the final path, if any. */
  realPath(path: string): string | undefined;
}

export interface CatalogContext {
  /** The operating system, when one was identified before catalogers ran. */
  distro?: Distro;
  /**
   * A problem with one file that did not stop cataloguing (malformed database, truncated file). The
   * code says whether packages may be missing because of it (completeness.ts).
   */
  warn(message: string, code?: CatalogWarningCode): void;
  /**
   * The size limit the user set for files (`scan.maxFileBytes`); a cataloger with a limit of its own
   * uses this instead when given, so raising the one setting raises both.
   */
  maxFileBytes?: number;
}

/**
 * One cataloger per ecosystem (syft's habit): which files it needs, optionally how to shrink them
 * as they are read, and a parser from those files to packages.
 */
export interface Cataloger {
  /** Short id, used in `Package.cataloger` and in messages: "dpkg", "apk", "rpm", "npm", ... */
  readonly name: string;
  /** Decides from the path (and kind/mode/size) whether this cataloger needs a file's bytes. */
  wants(file: FileInfo): boolean;
  /** Shrinks the bytes of a file this cataloger wants (binaries, archives); keep everything if absent. */
  readonly reduce?: FileReducer;
  /**
   * What it reads of a file does not depend on the file's path (binaries, archives): one name per
   * file is enough, the other names links give it are not offered (see FileConsumer.byContent).
   */
  readonly byContent?: boolean;
  /** Parses the files it wanted. Must not throw on malformed input: warn and skip instead. */
  catalog(resolver: FileResolver, context: CatalogContext): Package[] | Promise<Package[]>;
}
