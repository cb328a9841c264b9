import type { AdvisoryDatabase } from "../db/database.js";
import type { AffectedEntry, StoredAdvisory } from "../db/rows.js";
import type { Finding, MatchableDistro, MatchablePackage } from "../model.js";
import { type Assessment, assessSeverity, severityRank } from "../severity/severity.js";
import type { VersionScheme } from "../versioning/scheme.js";
import { type AliasGroup, mergeByAlias } from "./aliases.js";
import { type AdvisoryQuery, advisoryQueries } from "./ecosystems.js";
import { evaluateAffected } from "./ranges.js";
import { semverOrder } from "./semver-order.js";

export type SchemeForEcosystem = (ecosystem: string) => VersionScheme | undefined;

export interface MatchOptions {
  /** The version scheme of an OSV ecosystem; defaults to `vuln/versioning`'s. */
  schemeForEcosystem?: SchemeForEcosystem;
}

export interface MatchResult {
  findings: Finding[];
  /** Packages or advisories that could not be evaluated (an unreadable version, an unknown scheme). */
  warnings: string[];
}

interface Hit {
  query: AdvisoryQuery;
  advisory: StoredAdvisory;
  entry: AffectedEntry;
  fixed: string[];
  scheme: VersionScheme | undefined;
}

const MAX_REFERENCES = 5;
/** Aliases looked up per finding for a severity; real records list a handful. */
const MAX_ALIAS_LOOKUPS = 16;

/**
 * Matches packages against the advisory database. Per run, each (ecosystem, name) is looked up once
 * and each advisory read once (packages repeat across layers and locations), and every lookup is
 * the one indexed prepared statement.
 */
export function matchWithSchemes(
  db: AdvisoryDatabase,
  packages: readonly MatchablePackage[],
  distro: MatchableDistro | undefined,
  schemeForEcosystem: SchemeForEcosystem,
): MatchResult {
  const warnings: string[] = [];
  const lookups = new Map<string, AffectedEntry[]>();
  // Records are keyed by (source, id): an entry's own record is read by both.
  const advisories = new Map<string, StoredAdvisory | undefined>();
  const byId = new Map<string, StoredAdvisory[]>();
  const ecosystems = distro?.id === "rhel" ? db.ecosystems() : [];
  const findings: Finding[] = [];
  const advisoryOf = (entry: AffectedEntry): StoredAdvisory | undefined => {
    const key = `${entry.source}\u0000${entry.advisoryId}`;
    if (!advisories.has(key)) advisories.set(key, db.advisory(entry.advisoryId, entry.source));
    return advisories.get(key);
  };
  const recordsOf = (id: string): StoredAdvisory[] => {
    let records = byId.get(id);
    if (!records) {
      records = db.advisories(id);
      byId.set(id, records);
    }
    return records;
  };

  packages.forEach((pkg, index) => {
    const hits = new Map<string, Hit>();
    for (const query of advisoryQueries(pkg, distro, ecosystems)) {
      const key = `${query.ecosystem}\u0000${query.name}`;
      let entries = lookups.get(key);
      if (!entries) {
        entries = db.lookup(query.ecosystem, query.name);
        lookups.set(key, entries);
      }
      for (const entry of entries) {
        const scheme = schemeForEcosystem(entry.ecosystem);
        const verdict = evaluateAffected(query.version, entry, (type) =>
          type === "SEMVER" ? semverOrder : scheme,
        );
        for (const problem of verdict.problems) {
          warnings.push(
            `${pkg.name} ${query.version} against ${entry.advisoryId} (${entry.ecosystem}): ${problem}`,
          );
        }
        if (!verdict.affected) continue;
        const advisory = advisoryOf(entry);
        if (!advisory || advisory.withdrawn !== undefined) continue;
        const previous = hits.get(advisory.id);
        if (previous) previous.fixed.push(...verdict.fixed);
        else {
          const order = entry.ranges.every((r) => r.type === "SEMVER") ? semverOrder : scheme;
          hits.set(advisory.id, { query, advisory, entry, fixed: verdict.fixed, scheme: order });
        }
      }
    }
    findings.push(...findingsOf(pkg, index, [...hits.values()], recordsOf));
  });
  return { findings, warnings: [...new Set(warnings)] };
}

function findingsOf(
  pkg: MatchablePackage,
  index: number,
  hits: Hit[],
  recordsOf: (id: string) => StoredAdvisory[],
): Finding[] {
  const groups = mergeByAlias(hits, (hit) => hit.advisory);
  return groups.map((group) => {
    const first = group.members[0]!;
    let best = assessSeverity(first.entry.severity, first.advisory.severity);
    for (const hit of group.members.slice(1)) {
      const candidate = assessSeverity(hit.entry.severity, hit.advisory.severity);
      if (betterThan(candidate, best)) best = candidate;
    }
    if (!best.cvss) best = aliasSeverity(group, best, recordsOf);
    const fixed = lowestFixed(group.members);
    const summary = group.members.find((hit) => hit.advisory.summary)?.advisory.summary;
    const references = [...new Set(group.members.flatMap((hit) => hit.advisory.references))].slice(
      0,
      MAX_REFERENCES,
    );
    const finding: Finding = {
      id: group.id,
      aliases: group.aliases,
      package: {
        index,
        name: pkg.name,
        type: pkg.type,
        purl: pkg.purl,
        ecosystem: first.query.ecosystem,
        advisoryName: first.query.name,
        locations: pkg.locations,
      },
      installedVersion: first.query.version,
      severity: best.rating,
      references,
      ...(fixed !== undefined ? { fixedVersion: fixed } : {}),
      ...(best.cvss ? { cvss: best.cvss } : {}),
      ...(summary ? { summary } : {}),
    };
    return finding;
  });
}

/**
 * The severity of records in the database that describe the same vulnerability but did not match
 * this package (a GO- or PYSEC- record carries no severity; the CVE or GHSA record it aliases often
 * has a CVSS vector or GitHub's word). Only ids a matched record itself lists in `aliases` are looked
 * up (not upstream ids, which a multi-CVE distribution advisory shares with other vulnerabilities).
 * Used when the members have no score.
 */
function aliasSeverity(
  group: AliasGroup<Hit>,
  best: Assessment,
  recordsOf: (id: string) => StoredAdvisory[],
): Assessment {
  const members = new Set(group.members.map((hit) => hit.advisory.id));
  const memberIds = new Set(group.members.flatMap((hit) => [hit.advisory.id, ...hit.advisory.aliases]));
  for (const id of [group.id, ...group.aliases].slice(0, MAX_ALIAS_LOOKUPS)) {
    if (members.has(id) || !memberIds.has(id)) continue;
    // Every source's record of the alias is a candidate; the best-scored one wins.
    for (const alias of recordsOf(id)) {
      if (alias.withdrawn !== undefined) continue;
      const candidate = assessSeverity(alias.severity);
      if (betterThan(candidate, best)) best = candidate;
    }
  }
  return best;
}

/** A scored assessment beats a word; between equals, the higher score or rating wins. */
function betterThan(a: ReturnType<typeof assessSeverity>, b: ReturnType<typeof assessSeverity>): boolean {
  if (a.cvss && !b.cvss) return true;
  if (!a.cvss && b.cvss) return false;
  if (a.cvss && b.cvss) return a.cvss.score > b.cvss.score;
  return severityRank(a.rating) > severityRank(b.rating);
}

function lowestFixed(hits: Hit[]): string | undefined {
  let lowest: string | undefined;
  for (const hit of hits) {
    for (const fixed of hit.fixed) {
      if (lowest === undefined) lowest = fixed;
      else {
        try {
          if (hit.scheme && hit.scheme.compare(fixed, lowest) < 0) lowest = fixed;
        } catch {
          // Versions from different schemes: keep the first.
        }
      }
    }
  }
  return lowest;
}
