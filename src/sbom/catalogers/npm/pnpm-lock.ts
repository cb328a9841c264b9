import { parseAllDocuments } from "yaml";
import { isRecord, keysOf, type PackageDraft, stringOr } from "../language-files.js";
import { Drafts } from "./package-lock.js";

/**
 * pnpm-lock.yaml (github.com/pnpm/spec/tree/master/lockfile). Package keys changed across
 * versions: v5 "/name/1.0.0_peer", v6 "/name@1.0.0(peer)", v9 "name@1.0.0(peer)" with the
 * dependency edges moved to `snapshots`. Before v9 each entry carries `dev: true|false`; v9 drops
 * the flag, so production packages are those reachable from the importers' `dependencies` and
 * `optionalDependencies` through `snapshots`. A file may hold several YAML documents (pnpm 11
 * puts its own package-manager lock first); each is read.
 */
export function parsePnpmLock(text: string): PackageDraft[] {
  const drafts = new Drafts();
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(document.errors[0]!.message);
    const lock: unknown = document.toJS({ maxAliasCount: 100 });
    if (isRecord(lock)) readLock(lock, drafts);
  }
  return drafts.list;
}

function readLock(lock: Record<string, unknown>, drafts: Drafts): void {
  if (!isRecord(lock.packages)) return;
  const legacyKeys = Number.parseFloat(String(lock.lockfileVersion)) < 6;
  const snapshots = isRecord(lock.snapshots) ? lock.snapshots : undefined;
  const reached = snapshots ? reachableSnapshots(lock.importers, snapshots) : undefined;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!isRecord(entry)) continue;
    const parsed = parseKey(key, legacyKeys);
    const name = stringOr(entry.name) || parsed.name;
    const version = stringOr(entry.version) || parsed.version;
    if (reached) {
      const variants = reached.get(`${parsed.name}@${parsed.version}`);
      if (!variants) continue;
      drafts.add(name, version, [], [...new Set(variants.flatMap(dependencyNames))]);
    } else {
      if (entry.dev === true) continue;
      drafts.add(name, version, [], dependencyNames(entry));
    }
  }
}

function dependencyNames(entry: Record<string, unknown>): string[] {
  return [...keysOf(entry.dependencies), ...keysOf(entry.optionalDependencies)];
}

/** name and version of a package key, without pnpm's peer-dependency suffix. */
export function parseKey(key: string, legacy: boolean): { name: string; version: string } {
  let id = key.startsWith("/") ? key.slice(1) : key;
  const paren = id.indexOf("(");
  if (paren > 0) id = id.slice(0, paren);
  if (legacy) {
    const slash = id.lastIndexOf("/");
    if (slash > 0) {
      const version = id.slice(slash + 1);
      const underscore = version.indexOf("_");
      return { name: id.slice(0, slash), version: underscore > 0 ? version.slice(0, underscore) : version };
    }
  }
  const at = id.indexOf("@", 1);
  return at > 0 ? { name: id.slice(0, at), version: id.slice(at + 1) } : { name: id, version: "" };
}

/**
 * Snapshots reachable from the importers' production dependencies, grouped by their package key
 * (name@version without the peer suffix) since one package can be installed in several peer variants.
 */
function reachableSnapshots(
  importers: unknown,
  snapshots: Record<string, unknown>,
): Map<string, Record<string, unknown>[]> {
  const queue: string[] = [];
  for (const importer of isRecord(importers) ? Object.values(importers) : []) {
    if (!isRecord(importer)) continue;
    for (const field of [importer.dependencies, importer.optionalDependencies]) {
      if (!isRecord(field)) continue;
      for (const [name, spec] of Object.entries(field)) {
        const version = isRecord(spec) ? stringOr(spec.version) : stringOr(spec);
        queue.push(`${name}@${version}`);
      }
    }
  }
  const seen = new Set<string>();
  const reached = new Map<string, Record<string, unknown>[]>();
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!Object.hasOwn(snapshots, id)) continue;
    const value = snapshots[id];
    const snapshot = isRecord(value) ? value : {};
    const { name, version } = parseKey(id, false);
    const key = `${name}@${version}`;
    reached.set(key, [...(reached.get(key) ?? []), snapshot]);
    for (const field of [snapshot.dependencies, snapshot.optionalDependencies]) {
      if (!isRecord(field)) continue;
      for (const [dep, depVersion] of Object.entries(field)) queue.push(`${dep}@${stringOr(depVersion)}`);
    }
  }
  return reached;
}
