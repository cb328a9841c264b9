import type { FileInfo } from "./files.js";
import { comparePaths, normalisePath } from "./paths.js";

/** One layer of a walked image, with the build step that made it when the config records it. */
export interface LayerInfo {
  index: number;
  /** The layer's digest as the manifest names it. */
  digest: string;
  /** Compressed size from the descriptor. */
  size: number;
  mediaType: string;
  /** `history[].created_by` of the non-empty history entry matching this layer, when known. */
  createdBy?: string;
}

/** A file of the squashed tree and the bytes each consumer kept of it (by consumer index). */
export interface FileNode {
  info: FileInfo;
  content?: Map<number, Buffer>;
}

/** Linux gives up after 40 symlinks in one lookup (ELOOP, path_resolution(7)); so do we. */
const MAX_SYMLINK_HOPS = 40;

/**
 * The final file system of an image: every path the layers leave after whiteouts, as FileInfo, plus
 * the bytes kept for the consumers that selected them. Read-only once the walk has finished.
 */
export class SquashedFileSystem {
  readonly layers: readonly LayerInfo[];
  readonly warnings: readonly string[];
  private readonly nodes: ReadonlyMap<string, FileNode>;
  private sorted: string[] | undefined;

  constructor(
    nodes: ReadonlyMap<string, FileNode>,
    layers: readonly LayerInfo[],
    warnings: readonly string[],
  ) {
    this.nodes = nodes;
    this.layers = layers;
    this.warnings = warnings;
  }

  /** How many paths the tree holds. */
  get size(): number {
    return this.nodes.size;
  }

  /** What is at `path` itself (symlinks are not followed, like lstat). */
  info(path: string): FileInfo | undefined {
    return this.nodes.get(normalisePath(path).path)?.info;
  }

  /**
   * Resolves every symlink in `path` inside the image, as a chroot would: absolute targets start at
   * the image root and ".." never climbs above it. Undefined when a component is missing or the
   * symlinks loop (more than 40 hops).
   */
  realPath(path: string): string | undefined {
    const pending = path.split("/").reverse();
    let current = "/";
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.pop()!;
      if (segment === "" || segment === ".") continue;
      if (segment === "..") {
        current = current === "/" ? "/" : current.slice(0, current.lastIndexOf("/")) || "/";
        continue;
      }
      const next = current === "/" ? `/${segment}` : `${current}/${segment}`;
      const node = this.nodes.get(next);
      if (node === undefined) return undefined;
      if (node.info.kind === "symlink" && node.info.linkTarget !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        const target = node.info.linkTarget;
        if (target.startsWith("/")) current = "/";
        for (const part of target.split("/").reverse()) pending.push(part);
        continue;
      }
      current = next;
    }
    return current;
  }

  /**
   * The bytes consumer number `consumer` kept of the file at `path` (after its reducer), following
   * symlinks and hardlinks. Undefined when the file was not selected, was too large, or the reducer
   * kept nothing.
   */
  content(path: string, consumer: number): Buffer | undefined {
    const real = this.realPath(path);
    if (real === undefined) return undefined;
    const node = this.nodes.get(real);
    const own = node?.content?.get(consumer);
    if (own !== undefined || node?.info.kind !== "hardlink" || node.info.linkTarget === undefined) return own;
    return this.nodes.get(node.info.linkTarget)?.content?.get(consumer);
  }

  /** Files consumer number `consumer` kept bytes of, in path order. */
  *selected(consumer: number): Iterable<FileInfo> {
    for (const path of this.sortedPaths()) {
      const node = this.nodes.get(path)!;
      if (node.content?.has(consumer)) yield node.info;
    }
  }

  /** Every path of the tree, in path order. */
  *paths(): Iterable<FileInfo> {
    for (const path of this.sortedPaths()) yield this.nodes.get(path)!.info;
  }

  private sortedPaths(): string[] {
    this.sorted ??= [...this.nodes.keys()].sort(comparePaths);
    return this.sorted;
  }
}
