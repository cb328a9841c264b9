import type { FileInfo, LinkIssue } from "./files.js";
import type { FileConsumer } from "./options.js";
import { comparePaths, parentOf } from "./paths.js";
import { resolvePath } from "./resolve.js";
import type { ContentSource, FileNode } from "./tree-builder.js";

/**
 * Which files each consumer gets, decided on the final tree by the paths a container sees rather
 * than by the names entries had in their layers. A consumer asks for "/var/lib/dpkg/status"; in the
 * image that may be a symlink, a hardlink, or a file under a symlinked directory, and its bytes may
 * live under another name in another layer. So every path the final tree exposes is enumerated,
 * following symlinked directories (each real directory at most twice on one path, so a cycle such
 * as /usr/bin/X11 -> . is walked through once and no further), and offered to the consumers:
 * - a regular file or hardlink under its own name is offered as a regular file;
 * - a name reached through a symlink (an alias) is offered too; a consumer that reads bytes only
 *   (byContent: executables, archives) gets one name per file, so /bin -> usr/bin does not double
 *   every Go binary.
 * Bytes a consumer takes that the streaming pass did not keep are listed for a second pass over the
 * layers that hold them. Anything that cannot be followed within limits is a LinkIssue.
 */

export interface Selected {
  readonly info: FileInfo;
  readonly source: ContentSource;
}

export interface SelectionPlan {
  /** Per consumer index: the paths it takes (real or alias), with the FileInfo its selector saw. */
  readonly selections: Map<number, Map<string, Selected>>;
  /** Bytes still to read, per layer, per entry position in that layer. */
  readonly fetches: Map<number, Map<number, { source: ContentSource; info: FileInfo; consumers: number[] }>>;
}

const ROOT: FileNode = {
  info: { path: "/", kind: "directory", size: 0, mode: 0o755, layerIndex: 0, layerDigest: "" },
};

interface Frame {
  readonly logical: string;
  readonly real: string;
  readonly up: Frame | undefined;
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function timesOnChain(frame: Frame | undefined, real: string): number {
  let n = 0;
  for (let f = frame; f !== undefined; f = f.up) if (f.real === real) n++;
  return n;
}

export function planSelections(
  nodes: ReadonlyMap<string, FileNode>,
  consumers: readonly FileConsumer[],
  maxLinkedPaths: number,
  unresolved: (issue: LinkIssue) => void,
): SelectionPlan {
  const children = new Map<string, string[]>();
  for (const path of nodes.keys()) {
    const parent = parentOf(path);
    const list = children.get(parent) ?? [];
    children.set(parent, list);
    list.push(path.slice(parent === "/" ? 1 : parent.length + 1));
  }
  const lookup = (path: string) => nodes.get(path)?.info;
  const real = new Map<number, Map<string, Selected>>();
  const aliases = new Map<number, Map<string, Selected>>();
  const take = (into: Map<number, Map<string, Selected>>, i: number, selected: Selected) => {
    const map = into.get(i) ?? new Map<string, Selected>();
    into.set(i, map);
    map.set(selected.info.path, selected);
  };
  const offer = (path: string, node: FileNode, alias: boolean) => {
    const source = node.source;
    if (source === undefined || consumers.length === 0) return;
    const { selectedBy } = node;
    if (!alias && node.info.kind === "file" && selectedBy !== undefined) {
      // A regular file under its own name was already offered while it streamed: ask once.
      for (const i of selectedBy) take(real, i, { info: node.info, source });
      return;
    }
    const { size, mode, layerIndex, layerDigest } = node.info;
    const info: FileInfo = { path, kind: "file", size, mode, layerIndex, layerDigest };
    for (let i = 0; i < consumers.length; i++) {
      if (consumers[i]!.select(info)) take(alias ? aliases : real, i, { info, source });
    }
  };

  let linked = 0;
  let limited = false;
  const looped = new Set<string>();
  const stack: Frame[] = [{ logical: "/", real: "/", up: undefined }];
  while (stack.length > 0 && !limited) {
    const frame = stack.pop()!;
    for (const name of children.get(frame.real) ?? []) {
      const logical = join(frame.logical, name);
      let realPath = join(frame.real, name);
      let node = nodes.get(realPath)!;
      if (node.info.kind === "symlink") {
        const resolved = resolvePath(lookup, realPath, { followFinal: true });
        if (resolved.status === "loop") {
          if (!looped.has(realPath)) {
            looped.add(realPath);
            unresolved({
              code: "LINK_LOOP",
              path: realPath,
              message: `link: ${realPath} -> ${node.info.linkTarget}: more than 40 symlinks to follow; what it names is not catalogued`,
            });
          }
          continue;
        }
        // A link to the root ("a -> .", "a -> /") names the root directory, which has no entry.
        const target =
          resolved.status !== "ok" ? undefined : resolved.path === "/" ? ROOT : nodes.get(resolved.path);
        if (target === undefined) continue;
        realPath = resolved.path;
        node = target;
      }
      const alias = logical !== realPath;
      if (alias && ++linked > maxLinkedPaths) {
        limited = true;
        unresolved({
          code: "LINK_LIMIT",
          path: logical,
          message: `link: more than ${maxLinkedPaths} paths reached through symlinks; files behind the rest are not catalogued`,
        });
        break;
      }
      if (node.info.kind === "directory") {
        if (timesOnChain(frame, realPath) < 2) stack.push({ logical, real: realPath, up: frame });
      } else if (node.info.kind === "file" || node.info.kind === "hardlink") {
        offer(logical, node, alias);
      }
    }
  }
  const selections = merge(real, aliases, consumers);
  return { selections, fetches: fetchesOf(selections) };
}

/**
 * Real names all count, and so does every alias; for a consumer that reads bytes only (byContent),
 * an alias counts only when it took those bytes under no other name.
 */
function merge(
  real: Map<number, Map<string, Selected>>,
  aliases: Map<number, Map<string, Selected>>,
  consumers: readonly FileConsumer[],
): Map<number, Map<string, Selected>> {
  const out = new Map<number, Map<string, Selected>>();
  for (let i = 0; i < consumers.length; i++) {
    const mine = new Map(real.get(i) ?? []);
    if (!consumers[i]!.byContent) {
      for (const [path, selected] of aliases.get(i) ?? []) mine.set(path, selected);
      if (mine.size > 0) out.set(i, mine);
      continue;
    }
    const taken = new Set<ContentSource>([...mine.values()].map((s) => s.source));
    const extra = [...(aliases.get(i) ?? [])].sort(([a], [b]) => comparePaths(a, b));
    for (const [path, selected] of extra) {
      if (taken.has(selected.source)) continue;
      taken.add(selected.source);
      mine.set(path, selected);
    }
    if (mine.size > 0) out.set(i, mine);
  }
  return out;
}

/** The (source, consumer) pairs selected whose bytes the streaming pass did not read. */
function fetchesOf(selections: Map<number, Map<string, Selected>>): SelectionPlan["fetches"] {
  const fetches: SelectionPlan["fetches"] = new Map();
  for (const [consumer, selected] of selections) {
    for (const { source, info } of selected.values()) {
      if (source.done?.has(consumer)) continue;
      const layer = fetches.get(source.layer) ?? new Map();
      fetches.set(source.layer, layer);
      const fetch = layer.get(source.entry) ?? { source, info, consumers: [] };
      layer.set(source.entry, fetch);
      if (!fetch.consumers.includes(consumer)) fetch.consumers.push(consumer);
    }
  }
  return fetches;
}
