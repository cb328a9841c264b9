import type { FileInfo } from "./files.js";
import { ancestors, baseName, parentOf } from "./paths.js";
import type { FileNode } from "./squashed.js";

/**
 * Applies layers one over the other (OCI image-layer.md "Applying Changesets" and "Whiteouts").
 * Whiteouts only hide what LOWER layers put there: a file of the same layer survives its own
 * layer's whiteout. So whiteouts and opaque markers are collected while a layer streams and applied
 * when it ends, to nodes whose layerIndex is below the current layer, in one pass over the tree.
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

  /**
   * Handles a whiteout entry's path ("/a/.wh.b" or "/a/.wh..wh..opq"). Returns false when the name
   * is not a whiteout at all.
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

  /** Records an entry of the current layer; a later entry for the same path wins. */
  put(info: FileInfo, content?: Map<number, Buffer>): void {
    const existing = this.nodes.get(info.path);
    if (
      existing?.info.kind === "directory" &&
      info.kind !== "directory" &&
      existing.info.layerIndex < this.layer
    ) {
      // A non-directory replacing a lower directory hides everything beneath it, as overlayfs does.
      this.opaques.add(info.path);
    }
    this.ensureParents(info.path, info.layerDigest);
    const node: FileNode = { info };
    if (content !== undefined && content.size > 0) node.content = content;
    this.nodes.set(info.path, node);
  }

  /** Applies the layer's whiteouts to lower layers' nodes. */
  endLayer(): void {
    if (this.whiteouts.size === 0 && this.opaques.size === 0) return;
    let removed = false;
    for (const [path, node] of this.nodes) {
      if (node.info.layerIndex >= this.layer) continue;
      if (this.hidden(path)) {
        this.nodes.delete(path);
        removed = true;
      }
    }
    if (!removed) return;
    // A same-layer entry may sit below a directory that was just whited out ("/a/.wh.b" and "/a/b/c"):
    // give it back an implicit parent.
    for (const [path, node] of [...this.nodes]) {
      if (node.info.layerIndex === this.layer) this.ensureParents(path, node.info.layerDigest);
    }
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
      if (node?.info.kind === "directory" || node?.info.kind === "symlink") return;
      this.nodes.set(parent, {
        info: { path: parent, kind: "directory", size: 0, mode: 0o755, layerIndex: this.layer, layerDigest },
      });
    }
  }
}
