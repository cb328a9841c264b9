import type { FileInfo, LinkIssue } from "./files.js";
import type { Selected } from "./links.js";
import { baseName, comparePaths, normalisePath, parentOf } from "./paths.js";
import { resolvePath } from "./resolve.js";
import type { FileNode } from "./tree-builder.js";

export type { FileNode } from "./tree-builder.js";

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

/**
 * The final file system of an image: every path the layers leave after whiteouts, as FileInfo, plus
 * the bytes kept for the consumers that selected them. Paths are looked up as a container sees them
 * (symlinks followed inside the root, see resolve.ts). Read-only once the walk has finished.
 */
export class SquashedFileSystem {
  readonly layers: readonly LayerInfo[];
  readonly warnings: readonly string[];
  /** Links that could not be followed within limits: a consumer may miss a file (also in `warnings`). */
  readonly linkIssues: readonly LinkIssue[];
  private readonly nodes: ReadonlyMap<string, FileNode>;
  private readonly selections: ReadonlyMap<number, ReadonlyMap<string, Selected>>;
  private readonly lookup = (path: string) => this.nodes.get(path)?.info;
  private sorted: string[] | undefined;
  private readonly sortedSelections = new Map<number, Selected[]>();

  constructor(
    nodes: ReadonlyMap<string, FileNode>,
    layers: readonly LayerInfo[],
    warnings: readonly string[],
    selections: ReadonlyMap<number, ReadonlyMap<string, Selected>> = new Map(),
    linkIssues: readonly LinkIssue[] = [],
  ) {
    this.nodes = nodes;
    this.layers = layers;
    this.warnings = warnings;
    this.selections = selections;
    this.linkIssues = linkIssues;
  }

  /** How many paths the tree holds. */
  get size(): number {
    return this.nodes.size;
  }

  /**
   * What is at `path` itself, like lstat: symlinks in its directories are followed, a symlink in
   * the last component is not. The FileInfo's `path` is the path asked for (normalised).
   */
  info(path: string): FileInfo | undefined {
    const asked = normalisePath(path).path;
    if (asked === "/") return ROOT;
    const parent = resolvePath(this.lookup, parentOf(asked), { followFinal: true });
    if (parent.status !== "ok") return undefined;
    const node = this.nodes.get(
      parent.path === "/" ? `/${baseName(asked)}` : `${parent.path}/${baseName(asked)}`,
    );
    return node === undefined ? undefined : withPath(node.info, asked);
  }

  /**
   * What `path` names once every symlink is followed, like stat: a hardlink is the regular file it
   * is. The FileInfo's `path` is the path asked for (normalised).
   */
  stat(path: string): FileInfo | undefined {
    const real = this.realPath(path);
    if (real === "/") return { ...ROOT, path: normalisePath(path).path };
    const node = real === undefined ? undefined : this.nodes.get(real);
    if (node === undefined) return undefined;
    const info = withPath(node.info, normalisePath(path).path);
    if (info.kind !== "hardlink") return info;
    const { linkTarget: _target, ...rest } = info;
    return { ...rest, kind: "file" };
  }

  /**
   * Resolves every symlink in `path` inside the image, as a chroot would: absolute targets start at
   * the image root and ".." never climbs above it. Undefined when a component is missing or the
   * symlinks loop (more than 40 hops).
   */
  realPath(path: string): string | undefined {
    const resolved = resolvePath(this.lookup, path, { followFinal: true });
    return resolved.status === "ok" ? resolved.path : undefined;
  }

  /**
   * The bytes consumer number `consumer` kept of the file `path` names (after its reducer), following
   * symlinks and hardlinks. Undefined when the file was not selected, was too large, or the reducer
   * kept nothing.
   */
  content(path: string, consumer: number): Buffer | undefined {
    const real = this.realPath(path);
    if (real === undefined) return undefined;
    return this.nodes.get(real)?.source?.content?.get(consumer);
  }

  /**
   * Files consumer number `consumer` selected and kept bytes of, in path order: under their own
   * names, or under the name a link gives them when the consumer wanted only that one.
   */
  *selected(consumer: number): Iterable<FileInfo> {
    let list = this.sortedSelections.get(consumer);
    if (list === undefined) {
      const map = this.selections.get(consumer) ?? new Map<string, Selected>();
      list = [...map.values()].sort((a, b) => comparePaths(a.info.path, b.info.path));
      this.sortedSelections.set(consumer, list);
    }
    for (const { info, source } of list) if (source.content?.has(consumer)) yield info;
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

/** The image root: never an entry of its own in the tree, always a directory. */
const ROOT: FileInfo = { path: "/", kind: "directory", size: 0, mode: 0o755, layerIndex: 0, layerDigest: "" };

function withPath(info: FileInfo, path: string): FileInfo {
  return info.path === path ? info : { ...info, path };
}
