import type { FileReducer, FileSelector } from "./files.js";
import type { WarnFn } from "./warnings.js";

/** One cataloger's interest: which files it wants, and how to shrink their bytes. */
export interface FileConsumer {
  readonly select: FileSelector;
  readonly reduce?: FileReducer;
  /**
   * The consumer reads only a file's bytes, never its path (executables, archives): one name per
   * file is enough, so the names links give a file it already took are not offered again. Others
   * get every name a container sees, since a path can change what a file means
   * (node_modules/x/package.json is an installed package, /opt/x/package.json a project).
   */
  readonly byContent?: boolean;
}

export interface WalkLimits {
  /**
   * A selected file larger than this is not kept: a FILE_TOO_LARGE warning, which makes a scan
   * incomplete. Default 64 MiB (config `scan.maxFileBytes`, `--max-file-bytes`).
   */
  readonly maxFileBytes: number;
  /** Uncompressed bytes one layer may produce before the walk fails (LAYER_LIMIT_EXCEEDED). Default 32 GiB. */
  readonly maxLayerBytes: number;
  /**
   * Uncompressed/compressed ratio above which a layer is treated as a decompression bomb and the
   * walk fails (LAYER_LIMIT_EXCEEDED). Checked once a layer has produced `ratioFloorBytes`. Default 200.
   */
  readonly maxCompressionRatio: number;
  /** The ratio is not judged before this many uncompressed bytes. Default 64 MiB. */
  readonly ratioFloorBytes: number;
  /** Tar entries in the whole image (all layers) before the walk fails. Default 2,000,000. */
  readonly maxEntries: number;
  /**
   * Paths reached through symlinked directories that the walk offers to consumers (a symlink farm
   * can name a file exponentially many ways); past it the scan is incomplete (LINK_LIMIT). Default 1,000,000.
   */
  readonly maxLinkedPaths: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxLayerBytes: 32 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  ratioFloorBytes: 64 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxLinkedPaths: 1_000_000,
};

export interface WalkProgress {
  /** Zero-based index of the layer being read. */
  layer: number;
  layers: number;
  /** Compressed bytes of this layer read so far. */
  bytesRead: number;
  /** The layer's compressed size from its descriptor. */
  bytesTotal: number;
}

export interface WalkOptions {
  readonly consumers?: readonly FileConsumer[];
  readonly limits?: Partial<WalkLimits>;
  readonly onProgress?: (progress: WalkProgress) => void;
  /**
   * Called for every warning as it happens, with its code (warnings.ts); all warnings are also on
   * `SquashedFileSystem.warnings`.
   */
  readonly warn?: WarnFn;
}

export function resolveLimits(limits: Partial<WalkLimits> | undefined): WalkLimits {
  return { ...DEFAULT_WALK_LIMITS, ...limits };
}
