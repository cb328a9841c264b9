import { isRecord, keysOf, type PackageDraft, stringOr } from "../language-files.js";
import { npmLicenses } from "./licenses.js";

/**
 * package-lock.json and npm-shrinkwrap.json
 * (docs.npmjs.com/cli/configuring-npm/package-lock-json). Lockfile v2 and v3 list every installed
 * folder under `packages` keyed by its path ("node_modules/a/node_modules/b"); v1 has only the
 * nested `dependencies` tree. v2 carries both, and `packages` is the one npm itself reads.
 * Entries flagged `dev` are left out: they are not installed by `npm ci --omit=dev`.
 * `installed(key)` says whether a v2/v3 entry's folder exists beside the lockfile; when it says no,
 * the entry is left out (an optional dependency for another platform, such as fsevents on Linux).
 */
export function parsePackageLock(
  text: string,
  installed: (key: string) => boolean = () => true,
): PackageDraft[] {
  const lock: unknown = JSON.parse(text);
  if (!isRecord(lock)) throw new Error("lockfile is not a JSON object");
  const drafts = new Drafts();
  if (isRecord(lock.packages)) fromPackages(lock.packages, drafts, installed);
  else if (isRecord(lock.dependencies)) fromDependencyTree(lock.dependencies, drafts);
  return drafts.list;
}

function fromPackages(
  packages: Record<string, unknown>,
  drafts: Drafts,
  installed: (key: string) => boolean,
): void {
  const marker = "node_modules/";
  for (const [key, entry] of Object.entries(packages)) {
    // "" is the project itself; keys without node_modules/ are workspace sources, and `link`
    // entries point at them: neither is a package fetched from a registry.
    const at = key.lastIndexOf(marker);
    if (at < 0 || !isRecord(entry) || entry.dev === true || entry.link === true || !installed(key)) continue;
    const name = stringOr(entry.name) || key.slice(at + marker.length);
    drafts.add(name, stringOr(entry.version), npmLicenses(entry), keysOf(entry.dependencies));
  }
}

/** Walks the v1 tree without recursion, so a hostile depth cannot overflow the stack. */
function fromDependencyTree(root: Record<string, unknown>, drafts: Drafts): void {
  const stack: Record<string, unknown>[] = [root];
  while (stack.length > 0) {
    const level = stack.pop()!;
    for (const [key, entry] of Object.entries(level)) {
      if (!isRecord(entry) || entry.dev === true) continue;
      const { name, version } = unalias(key, stringOr(entry.version));
      drafts.add(name, version, [], keysOf(entry.requires));
      if (isRecord(entry.dependencies)) stack.push(entry.dependencies);
    }
  }
}

/** npm aliases ("my-alias": "npm:real-name@1.2.3") record the real package in the version. */
export function unalias(name: string, version: string): { name: string; version: string } {
  if (!version.startsWith("npm:")) return { name, version };
  const target = version.slice(4);
  const at = target.lastIndexOf("@");
  return at > 0 ? { name: target.slice(0, at), version: target.slice(at + 1) } : { name, version };
}

/** Drafts in first-seen order, one per name@version (a lockfile repeats hoisted duplicates). */
export class Drafts {
  readonly list: PackageDraft[] = [];
  private readonly seen = new Set<string>();

  add(name: string, version: string, licenses: string[], dependsOn: string[]): void {
    const key = `${name}@${version}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ name, version, licenses, dependsOn });
  }
}
