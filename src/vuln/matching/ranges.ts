import type { OsvEvent, OsvRange } from "../sources/osv/schema.js";
import type { VersionScheme } from "../versioning/scheme.js";

/**
 * Whether a version is affected by one OSV `affected` entry, following the evaluation the
 * osv-schema gives (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it
 * is listed in `versions`, or inside any ECOSYSTEM or SEMVER range. Inside a range means: below
 * some `limit` when the range has limits, and, walking the events sorted by version, the last
 * event that applies is an `introduced` (introduced "0" applies to every version; `fixed` applies
 * from that version on, `last_affected` from the next version on). GIT ranges are not evaluated.
 */

export interface RangeInput {
  ranges: readonly OsvRange[];
  versions: readonly string[];
}

export interface RangeVerdict {
  affected: boolean;
  /** The `fixed` events above the installed version in the ranges that matched, lowest first. */
  fixed: string[];
  /** Ranges that could not be evaluated (a version the scheme cannot read), for a warning. */
  problems: string[];
}

/** Picks the order for a range type: SemVer for "SEMVER", the ecosystem's scheme for "ECOSYSTEM". */
export type SchemeForRange = (type: "ECOSYSTEM" | "SEMVER") => VersionScheme | undefined;

export function evaluateAffected(
  version: string,
  input: RangeInput,
  schemeFor: SchemeForRange,
): RangeVerdict {
  const verdict: RangeVerdict = { affected: input.versions.includes(version), fixed: [], problems: [] };
  for (const range of input.ranges) {
    if (range.type === "GIT") continue;
    const scheme = schemeFor(range.type);
    if (!scheme) {
      verdict.problems.push(`no version scheme for ${range.type} range`);
      continue;
    }
    try {
      if (!inRange(version, range.events, scheme)) continue;
      verdict.affected = true;
      for (const event of range.events) {
        if (event.fixed !== undefined && scheme.compare(event.fixed, version) > 0)
          verdict.fixed.push(event.fixed);
      }
      verdict.fixed.sort((a, b) => scheme.compare(a, b));
    } catch (err) {
      verdict.problems.push((err as Error).message);
    }
  }
  verdict.fixed = [...new Set(verdict.fixed)];
  return verdict;
}

/** One range's verdict (the osv-schema's `IsAffected` with `BeforeLimits`). Throws on unreadable versions. */
export function inRange(version: string, events: readonly OsvEvent[], scheme: VersionScheme): boolean {
  const limits = events.flatMap((e) => (e.limit !== undefined ? [e.limit] : []));
  if (limits.length > 0 && !limits.some((limit) => limit === "*" || scheme.compare(version, limit) < 0)) {
    return false;
  }
  const sorted = events.filter((e) => e.limit === undefined).sort((a, b) => compareEvents(a, b, scheme));
  let affected = false;
  for (const event of sorted) {
    if (event.introduced !== undefined) {
      if (event.introduced === "0" || scheme.compare(version, event.introduced) >= 0) affected = true;
    } else if (event.fixed !== undefined) {
      if (scheme.compare(version, event.fixed) >= 0) affected = false;
    } else if (event.last_affected !== undefined) {
      if (scheme.compare(version, event.last_affected) > 0) affected = false;
    }
  }
  return affected;
}

function eventVersion(event: OsvEvent): string {
  return event.introduced ?? event.fixed ?? event.last_affected ?? event.limit ?? "";
}

/** introduced "0" sorts before everything; otherwise by version. */
function compareEvents(a: OsvEvent, b: OsvEvent, scheme: VersionScheme): number {
  const zeroA = a.introduced === "0";
  const zeroB = b.introduced === "0";
  if (zeroA || zeroB) return zeroA === zeroB ? 0 : zeroA ? -1 : 1;
  return scheme.compare(eventVersion(a), eventVersion(b));
}
