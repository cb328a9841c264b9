/**
 * One vulnerability in one package is one finding, however many databases describe it. OSV links
 * records by `aliases` (the same vulnerability: CVE, GHSA, PYSEC, GO, RUSTSEC ids) and `upstream`
 * (the ids a distribution advisory derives from). Records sharing an id, directly or through a
 * chain, are merged. Distribution wrappers of one CVE ("DEBIAN-CVE-2014-6271", a DSA with a single
 * upstream CVE) merge into that CVE. A DSA/DLA/USN fixing several CVEs is not one vulnerability:
 * when any CVE it lists is already a finding, its id is added to those findings' aliases instead.
 */

export interface AliasIds {
  id: string;
  aliases: readonly string[];
  upstream: readonly string[];
}

export interface AliasGroup<T> {
  /** A CVE id when the group has one (the lowest, when several), else the first member's id. */
  id: string;
  aliases: string[];
  members: T[];
}

const CVE = /^CVE-\d{4}-\d+$/;
const WRAPPED_CVE = /^[A-Z][A-Za-z0-9]*-(CVE-\d{4}-\d+)$/;

function sameVulnerabilityIds(ids: AliasIds): string[] {
  const all = [ids.id, ...ids.aliases];
  const wrapped = WRAPPED_CVE.exec(ids.id)?.[1];
  if (wrapped) all.push(wrapped);
  if (ids.upstream.length === 1) all.push(ids.upstream[0]!);
  return all;
}

export function mergeByAlias<T>(items: readonly T[], idsOf: (item: T) => AliasIds): AliasGroup<T>[] {
  // Union-find over items, joined through any id they share.
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const owner = new Map<string, number>();
  items.forEach((item, i) => {
    for (const id of sameVulnerabilityIds(idsOf(item))) {
      const other = owner.get(id);
      if (other === undefined) owner.set(id, i);
      else parent[find(i)] = find(other);
    }
  });
  const byRoot = new Map<number, { members: T[]; ids: Set<string>; upstream: Set<string> }>();
  items.forEach((item, i) => {
    const root = find(i);
    const group = byRoot.get(root) ?? { members: [], ids: new Set<string>(), upstream: new Set<string>() };
    group.members.push(item);
    for (const id of sameVulnerabilityIds(idsOf(item))) group.ids.add(id);
    for (const id of idsOf(item).upstream) group.upstream.add(id);
    byRoot.set(root, group);
  });
  const groups = [...byRoot.values()];

  // Fold multi-CVE distribution advisories into the findings of the CVEs they list.
  const kept = groups.filter((group) => {
    if ([...group.ids].some((id) => CVE.test(id)) || group.upstream.size < 2) return true;
    const targets = [...group.upstream].flatMap((id) => groups.filter((g) => g !== group && g.ids.has(id)));
    if (targets.length === 0) return true;
    for (const target of targets) for (const id of group.ids) target.ids.add(id);
    return false;
  });

  return kept.map((group) => {
    const cves = [...group.ids].filter((id) => CVE.test(id)).sort(compareCve);
    const id = cves[0] ?? idsOf(group.members[0]!).id;
    return { id, aliases: [...group.ids].filter((x) => x !== id).sort(), members: group.members };
  });
}

/** CVE-2014-6271 before CVE-2014-7169, numerically within a year. */
function compareCve(a: string, b: string): number {
  const [, ya, na] = a.split("-");
  const [, yb, nb] = b.split("-");
  return Number(ya) - Number(yb) || Number(na) - Number(nb);
}
