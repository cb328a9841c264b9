import type { FileInfo } from "./files.js";

/**
 * Path resolution inside an image root, the way an unpacked container file system answers it:
 * symlinks are followed component by component, an absolute target starts again at the image root
 * and ".." never climbs above it (a chroot, and what umoci's and containerd's unpackers do with
 * filepath-securejoin). Nothing here touches the host: lookups go to the walker's own tree.
 */

/** Linux gives up after 40 symlinks in one lookup (ELOOP, path_resolution(7)); so do we. */
export const MAX_SYMLINK_HOPS = 40;

export type Lookup = (path: string) => FileInfo | undefined;

export interface Resolution {
  /** The real path reached ("/" for the root); for a missing component, the lexical rest appended. */
  path: string;
  /** "missing": a component does not exist; "loop": more than 40 symlinks; "notdir": a file used as a directory. */
  status: "ok" | "missing" | "loop" | "notdir";
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (stat) rather than stopping at it (lstat). */
  followFinal: boolean;
  /**
   * Keep going after a missing component, appending the rest lexically (what an unpacker does with
   * an entry's parent directory before it creates the missing ones).
   */
  allowMissing?: boolean;
}

/** Pushes a path's meaningful segments ("" and "." dropped) so that the first one is popped first. */
function pushSegments(pending: string[], path: string): void {
  const segments = path.split("/");
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    if (segment !== "" && segment !== ".") pending.push(segment);
  }
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function up(dir: string): string {
  return dir === "/" ? "/" : dir.slice(0, dir.lastIndexOf("/")) || "/";
}

/** Resolves `path` (absolute or relative to the root) against the tree `lookup` describes. */
export function resolvePath(lookup: Lookup, path: string, options: ResolveOptions): Resolution {
  const pending: string[] = [];
  pushSegments(pending, path);
  let current = "/";
  let hops = 0;
  let missing = false;
  while (pending.length > 0) {
    const segment = pending.pop()!;
    if (segment === "..") {
      current = up(current);
      continue;
    }
    const next = join(current, segment);
    const info = missing ? undefined : lookup(next);
    if (info === undefined) {
      if (!options.allowMissing) return { path: next, status: "missing" };
      missing = true;
      current = next;
      continue;
    }
    const last = pending.length === 0;
    if (info.kind === "symlink" && info.linkTarget !== undefined && (!last || options.followFinal)) {
      if (++hops > MAX_SYMLINK_HOPS) return { path: next, status: "loop" };
      const target = info.linkTarget;
      if (target.startsWith("/")) current = "/";
      pushSegments(pending, target);
      continue;
    }
    if (!last && info.kind !== "directory") {
      if (!options.allowMissing) return { path: next, status: "notdir" };
    }
    current = next;
  }
  return { path: current, status: missing ? "missing" : "ok" };
}
