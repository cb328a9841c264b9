import type { FileResolver } from "../cataloger.js";
import { isRecord, keysOf, type PackageDraft, textOf } from "../language-files.js";
import { Drafts, unalias } from "./package-lock.js";

/**
 * yarn.lock, both Yarn 1's own format (classic.yarnpkg.com/lang/en/docs/yarn-lock/) and Yarn 2+
 * ("berry"), which is YAML. Both share a shape a line reader handles without a YAML parser: an
 * unindented header of comma-separated descriptors, two-space fields (`version "1.0.0"` or
 * `version: 1.0.0`), and four-space dependency lines under `dependencies:`.
 */
interface YarnEntry {
  descriptor: string;
  version: string;
  resolution: string;
  linkType: string;
  dependsOn: string[];
}

export function parseYarnLock(text: string, lockPath: string, resolver: FileResolver): PackageDraft[] {
  const entries = readEntries(text);
  const keep = productionNames(entries, lockPath, resolver);
  const drafts = new Drafts();
  for (const entry of entries) {
    // Berry lists the project's own workspaces (and `link:` / `portal:` folders) with linkType soft.
    if (entry.linkType === "soft" || entry.resolution.includes("@workspace:")) continue;
    const name = entryName(entry);
    if (keep && !keep.has(name)) continue;
    drafts.add(name, entry.version, [], entry.dependsOn);
  }
  return drafts.list;
}

function readEntries(text: string): YarnEntry[] {
  const entries: YarnEntry[] = [];
  let current: YarnEntry | undefined;
  let inDependencies = false;
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!line.startsWith(" ")) {
      current = undefined;
      inDependencies = false;
      if (line.startsWith("__metadata")) continue;
      const first = line.replace(/:$/, "").split(",")[0]!.trim();
      current = { descriptor: unquote(first), version: "", resolution: "", linkType: "", dependsOn: [] };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith("    ")) {
      if (inDependencies) current.dependsOn.push(fieldOf(line.trimStart()).key);
      continue;
    }
    const { key, value } = fieldOf(line.trimStart());
    inDependencies = key === "dependencies" || key === "optionalDependencies";
    if (key === "version") current.version = value;
    else if (key === "resolution") current.resolution = value;
    else if (key === "linkType") current.linkType = value;
  }
  return entries;
}

/** `key value`, `key: value`, `"@scope/key" value` or `"@scope/key": value`. */
function fieldOf(text: string): { key: string; value: string } {
  let key: string;
  let rest: string;
  if (text.startsWith('"')) {
    const close = text.indexOf('"', 1);
    key = text.slice(1, close < 0 ? undefined : close);
    rest = close < 0 ? "" : text.slice(close + 1);
  } else {
    const end = text.search(/[ :]/);
    key = end < 0 ? text : text.slice(0, end);
    rest = end < 0 ? "" : text.slice(end);
  }
  return { key, value: unquote(rest.replace(/^:/, "").trim()) };
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** The package name: from berry's `resolution`, else from the first descriptor, following aliases. */
function entryName(entry: YarnEntry): string {
  const source = entry.resolution || entry.descriptor;
  const at = source.indexOf("@", 1);
  if (at < 0) return source;
  return unalias(source.slice(0, at), source.slice(at + 1)).name;
}

/**
 * Names reachable from the project's production dependencies, when the package.json beside the
 * lockfile says which those are. yarn.lock itself does not mark dev-only entries. Without that
 * manifest, or for a workspace root (whose members' manifests declare the roots), every entry is
 * kept: over-reporting is safer than missing a vulnerable package.
 */
function productionNames(
  entries: YarnEntry[],
  lockPath: string,
  resolver: FileResolver,
): Set<string> | undefined {
  const bytes = resolver.read(`${lockPath.slice(0, lockPath.lastIndexOf("/"))}/package.json`);
  if (!bytes) return undefined;
  let manifest: unknown;
  try {
    manifest = JSON.parse(textOf(bytes));
  } catch {
    return undefined;
  }
  if (!isRecord(manifest) || manifest.workspaces !== undefined || !isRecord(manifest.devDependencies)) {
    return undefined;
  }
  const edges = new Map<string, string[]>();
  for (const entry of entries) {
    const name = entryName(entry);
    edges.set(name, [...(edges.get(name) ?? []), ...entry.dependsOn]);
  }
  const queue = [
    ...keysOf(manifest.dependencies),
    ...keysOf(manifest.optionalDependencies),
    ...keysOf(manifest.peerDependencies),
  ];
  const reached = new Set<string>();
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    queue.push(...(edges.get(name) ?? []));
  }
  return reached;
}
