import type { FileInfo } from "./files.js";
import { ancestors, baseName, parentOf } from "./paths.js";
import { resolvePath } from "./resolve.js";

/**
 * Where a regular file's bytes are: the tar entry (by its position in its layer) that wrote them,
 * and what each consumer kept of them. A hardlink shares its target's source object, so bytes kept
 * (or fetched later) under either name serve both.
 */
export interface ContentSource {
  /** Zero-based layer index. */
  readonly layer: number;
  /** Zero-based position of the entry in that layer's tar stream. */
  readonly entry: number;
  /** The entry's path as it was unpacked (parents resolved); for a `dir:` root, the path under it. */
  readonly path: string;
  /** Bytes kept per consumer index (after its reducer). */
  content?: Map<number, Buffer>;
  /** Consumers whose bytes were read (kept, reduced to nothing, or refused over a limit); absent: none. */
  done?: Set<number>;
}

/** A file of the squashed tree and, for a regular file or hardlink, where its bytes are. */
export interface FileNode {
  info: FileInfo;
  source?: ContentSource;
  /** Consumers whose selector took this regular file under its own name while it streamed. */
  selectedBy?: readonly number[];
}

/**
 * Applies layers one over the other (OCI image-layer.md "Applying Changesets" and "Whiteouts").
 * Whiteouts only hide what LOWER layers put there: a file of the same layer survives its own
 * layer's whiteout. So whiteouts and opaque markers are collected while a layer streams and applied
 * when it ends, to nodes whose layerIndex is below the current layer, in one pass over the tree.
 *
 * An entry's parent directory is resolved through the symlinks already in the tree before the entry
 * is placed, as an unpacker does (umoci and containerd join the parent with securejoin): a layer
 * writing "var/lib/dpkg/status" over a lower "var/lib/dpkg -> /opt/db" lands at "/opt/db/status".
 */
export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

export class TreeBuilder {
  readonly nodes = new Map<string, FileNode>();
  private layer = -1;
  private whiteouts = new Set<string>();
  /** Directories whose lower contents are hidden: opaque markers, or a directory replaced by a non-directory. */
  private opaques = new Set<string>();

  beginLayer(index: number): void {
    this.layer = index;
    this.whiteouts.clear();
    this.opaques.clear();
  }

  /** What the tree holds at `path` now, as this layer sees it (a lower node this layer whited out is gone). */
  lookup = (path: string): FileInfo | undefined => {
    const node = this.nodes.get(path);
    if (node === undefined) return undefined;
    if (node.info.layerIndex < this.layer && this.pending() && this.hidden(path)) return undefined;
    return node.info;
  };

  /**
   * The path an entry named `path` is written to: its parent resolved through the tree's symlinks.
   * `loop` when the parent's symlinks loop (an unpacker refuses the entry with ELOOP).
   */
  placement(path: string): { path: string; loop: boolean } {
    if (!this.linkedAncestor(path)) return { path, loop: false };
    const parent = resolvePath(this.lookup, parentOf(path), { followFinal: true, allowMissing: true });
    const name = baseName(path);
    return {
      path: parent.path === "/" ? `/${name}` : `${parent.path}/${name}`,
      loop: parent.status === "loop",
    };
  }

  /**
   * Handles a whiteout entry's path ("/a/.wh.b" or "/a/.wh..wh..opq"), already placed (parent
   * resolved). Returns false when the name is not a whiteout at all.
   */
  whiteout(path: string): boolean {
    const name = baseName(path);
    if (!name.startsWith(WHITEOUT_PREFIX)) return false;
    if (name === OPAQUE_MARKER) this.opaques.add(parentOf(path));
    else {
      const hidden = name.slice(WHITEOUT_PREFIX.length);
      if (hidden !== "" && hidden !== "." && hidden !== "..") {
        this.whiteouts.add(parentOf(path) === "/" ? `/${hidden}` : `${parentOf(path)}/${hidden}`);
      }
    }
    return true;
  }

  /**
   * The node a hardlink entry names, found as an unpacker's link(2) finds it: the target's parent
   * resolved through symlinks, the last component not followed.
   */
  linkTarget(target: string): FileNode | undefined {
    const placed = this.placement(target).path;
    return this.lookup(placed) === undefined ? undefined : this.nodes.get(placed);
  }

  /** Records an entry of the current layer (its path already placed); a later entry for the same path wins. */
  put(info: FileInfo, source?: ContentSource, selectedBy?: readonly number[]): void {
    const existing = this.nodes.get(info.path);
    if (existing?.info.kind === "directory" && info.kind !== "directory") {
      // A non-directory replacing a directory removes everything beneath it, from any layer: an
      // unpacker clobbers the directory (umoci's RemoveAll), overlayfs hides the lower ones.
      this.opaques.add(info.path);
      const prefix = `${info.path}/`;
      for (const path of this.nodes.keys()) if (path.startsWith(prefix)) this.nodes.delete(path);
    }
    this.ensureParents(info.path, info.layerDigest);
    const node: FileNode = { info };
    if (source !== undefined) node.source = source;
    if (selectedBy !== undefined) node.selectedBy = selectedBy;
    this.nodes.set(info.path, node);
  }

  /** Applies the layer's whiteouts to lower layers' nodes. */
  endLayer(): void {
    if (!this.pending()) return;
    let removed = false;
    for (const [path, node] of this.nodes) {
      if (node.info.layerIndex >= this.layer) continue;
      if (this.hidden(path)) {
        this.nodes.delete(path);
        removed = true;
      }
    }
    this.whiteouts.clear();
    this.opaques.clear();
    if (!removed) return;
    // A same-layer entry may sit below a directory that was just whited out ("/a/.wh.b" and "/a/b/c"):
    // give it back an implicit parent.
    for (const [path, node] of [...this.nodes]) {
      if (node.info.layerIndex === this.layer) this.ensureParents(path, node.info.layerDigest);
    }
  }

  /** Whether a directory above `path` is a symlink or hidden by this layer (cheap: most paths are neither). */
  private linkedAncestor(path: string): boolean {
    // A plain loop, not ancestors(): this runs for every entry of every layer.
    for (let end = path.lastIndexOf("/"); end > 0; end = path.lastIndexOf("/", end - 1)) {
      const ancestor = path.slice(0, end);
      const node = this.nodes.get(ancestor);
      if (node === undefined) continue;
      if (node.info.kind !== "directory") return true;
      if (node.info.layerIndex < this.layer && this.pending() && this.hidden(ancestor)) return true;
    }
    return false;
  }

  private pending(): boolean {
    return this.whiteouts.size > 0 || this.opaques.size > 0;
  }

  private hidden(path: string): boolean {
    if (this.whiteouts.has(path)) return true;
    for (const ancestor of ancestors(path)) {
      if (this.whiteouts.has(ancestor) || this.opaques.has(ancestor)) return true;
    }
    return this.opaques.has("/") && path !== "/";
  }

  /** Creates missing parent directories (implicit in tar) and turns non-directory parents into directories. */
  private ensureParents(path: string, layerDigest: string): void {
    for (const parent of ancestors(path)) {
      const node = this.nodes.get(parent);
      if (node?.info.kind === "directory" && this.lookup(parent) !== undefined) return;
      this.nodes.set(parent, {
        info: { path: parent, kind: "directory", size: 0, mode: 0o755, layerIndex: this.layer, layerDigest },
      });
    }
  }
}
