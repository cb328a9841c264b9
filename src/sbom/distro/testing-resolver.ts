import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type { FileInfo, FileSelector } from "../../oci/index.js";
import type { FileResolver } from "../catalogers/cataloger.js";

/**
 * Test helper: an in-memory FileResolver over a map of absolute paths to contents or symlinks,
 * as the squashed file system of an image would be. When a selector is given (a cataloger's
 * `wants`), only the files it selects have readable bytes, as in a real scan, so tests also pin
 * which files each cataloger reads.
 */
export type MemoryEntry = string | Buffer | { symlink: string };

export function memoryResolver(
  entries: Readonly<Record<string, MemoryEntry>>,
  selector?: FileSelector,
): FileResolver {
  const infos = new Map<string, FileInfo>();
  const bytes = new Map<string, Buffer>();
  for (const [path, entry] of Object.entries(entries)) {
    if (typeof entry === "object" && !Buffer.isBuffer(entry)) {
      infos.set(path, { path, kind: "symlink", size: 0, mode: 0o777, linkTarget: entry.symlink, ...LAYER });
      continue;
    }
    const content = typeof entry === "string" ? Buffer.from(entry, "utf8") : entry;
    const info: FileInfo = { path, kind: "file", size: content.length, mode: 0o644, ...LAYER };
    infos.set(path, info);
    if (!selector || selector(info)) bytes.set(path, content);
  }
  const realPath = (path: string): string | undefined => resolveLinks(infos, path);
  return {
    info: (path) => infos.get(path),
    read: (path) => bytes.get(path),
    selected: () =>
      [...bytes.keys()]
        .sort()
        .map((path) => infos.get(path))
        .filter((info): info is FileInfo => info !== undefined),
    realPath,
  };
}

/** Loads a fixture tree from disk ("testdata/image-dpkg") as entries rooted at "/". */
export function entriesFromDirectory(root: string): Record<string, Buffer> {
  const entries: Record<string, Buffer> = {};
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const path = `${prefix}/${name}`;
      if (statSync(full).isDirectory()) walk(full, path);
      else entries[path] = readFileSync(full);
    }
  };
  walk(root, "");
  return entries;
}

const LAYER = {
  layerIndex: 0,
  layerDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
};

/** Follows symlinks component by component, at most 40 times (Linux's MAXSYMLINKS). */
function resolveLinks(infos: ReadonlyMap<string, FileInfo>, path: string): string | undefined {
  let pending = path.split("/").filter(Boolean);
  let resolved = "";
  for (let hops = 0; pending.length > 0; ) {
    const current = `${resolved}/${pending[0]}`;
    pending = pending.slice(1);
    const info = infos.get(current);
    if (info?.kind === "symlink" && info.linkTarget !== undefined) {
      if (++hops > 40) return undefined;
      const target = info.linkTarget.startsWith("/")
        ? info.linkTarget
        : posix.join(posix.dirname(current), info.linkTarget);
      pending = [...posix.normalize(target).split("/").filter(Boolean), ...pending];
      resolved = "";
      continue;
    }
    resolved = current;
  }
  return infos.has(resolved) ? resolved : undefined;
}
