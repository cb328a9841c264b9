import { deflateRawSync, inflateRawSync } from "node:zlib";
import { severityWordOf } from "../severity/words.js";
import type { OsvAffected, OsvRange, OsvRecord, OsvSeverity } from "../sources/osv/schema.js";
import { normalisePackageName } from "./names.js";

/** Severity as stored: the CVSS (or other) vectors, and a severity word when the record has one. */
export interface StoredSeverity {
  vectors: OsvSeverity[];
  word?: string;
}

/** What the matcher needs of one `affected` entry; GIT ranges are dropped at import. */
export interface AffectedEntry {
  advisoryId: string;
  /** The OSV ecosystem whose archive carries the advisory ("Debian", "npm"); with the id, its key. */
  source: string;
  ecosystem: string;
  name: string;
  ranges: OsvRange[];
  versions: string[];
  /** Per-package severity (OSV 1.4+ `affected[].severity`, or a word in its specific fields). */
  severity?: StoredSeverity;
}

export interface StoredAdvisory {
  /** The OSV ecosystem whose archive carries it; records are keyed by (source, id). */
  source: string;
  id: string;
  modified: number;
  published?: number;
  withdrawn?: number;
  summary?: string;
  aliases: string[];
  /** OSV `upstream`: the ids a distribution advisory (DSA, DLA, USN, ...) derives from. */
  upstream: string[];
  severity: StoredSeverity;
  references: string[];
}

const MAX_REFERENCES = 5;

export interface AdvisoryRow {
  source: string;
  id: string;
  modified: number;
  published: number | null;
  withdrawn: number | null;
  summary: string | null;
  aliases: string;
  upstream: string;
  severity: string;
  refs: string;
  raw: Buffer;
}

export interface AffectedRow {
  source: string;
  ecosystem: string;
  name: string;
  advisory_id: string;
  ranges: string;
}

function millis(timestamp: string | undefined): number | null {
  return timestamp === undefined ? null : Date.parse(timestamp);
}

/**
 * Turns a validated record into the rows stored for it under one source: affected rows only for
 * `entries` (the record's entries of that source's ecosystem), none once withdrawn.
 */
export function rowsOf(
  source: string,
  record: OsvRecord,
  entries: readonly OsvAffected[],
  rawJson: string,
  deflated?: Buffer,
): { advisory: AdvisoryRow; affected: AffectedRow[] } {
  const word = severityWordOf(record.database_specific);
  const severity: StoredSeverity = { vectors: record.severity ?? [], ...(word ? { word } : {}) };
  const summary = record.summary ?? record.details?.split("\n", 1)[0]?.slice(0, 200) ?? null;
  const advisory: AdvisoryRow = {
    source,
    id: record.id,
    modified: Date.parse(record.modified),
    published: millis(record.published),
    withdrawn: millis(record.withdrawn),
    summary,
    aliases: JSON.stringify(record.aliases ?? []),
    upstream: JSON.stringify(record.upstream ?? []),
    severity: JSON.stringify(severity),
    refs: JSON.stringify((record.references ?? []).slice(0, MAX_REFERENCES).map((r) => r.url)),
    raw: deflated ?? deflateRawSync(rawJson),
  };
  const affected: AffectedRow[] = [];
  if (record.withdrawn !== undefined) return { advisory, affected };
  for (const entry of entries) {
    if (!entry.package) continue;
    const ranges = (entry.ranges ?? []).filter((r) => r.type !== "GIT");
    const versions = entry.versions ?? [];
    if (ranges.length === 0 && versions.length === 0) continue;
    const entryWord = severityWordOf(entry.ecosystem_specific, entry.database_specific);
    const entrySeverity =
      entry.severity || entryWord
        ? { vectors: entry.severity ?? [], ...(entryWord ? { word: entryWord } : {}) }
        : undefined;
    affected.push({
      source,
      ecosystem: entry.package.ecosystem,
      name: normalisePackageName(entry.package.ecosystem, entry.package.name),
      advisory_id: record.id,
      ranges: JSON.stringify({ r: ranges, v: versions, ...(entrySeverity ? { s: entrySeverity } : {}) }),
    });
  }
  return { advisory, affected };
}

export function affectedEntryOf(row: AffectedRow): AffectedEntry {
  const data = JSON.parse(row.ranges) as { r: OsvRange[]; v: string[]; s?: StoredSeverity };
  return {
    advisoryId: row.advisory_id,
    source: row.source,
    ecosystem: row.ecosystem,
    name: row.name,
    ranges: data.r,
    versions: data.v,
    ...(data.s ? { severity: data.s } : {}),
  };
}

export function storedAdvisoryOf(row: Omit<AdvisoryRow, "raw">): StoredAdvisory {
  return {
    source: row.source,
    id: row.id,
    modified: row.modified,
    ...(row.published !== null ? { published: row.published } : {}),
    ...(row.withdrawn !== null ? { withdrawn: row.withdrawn } : {}),
    ...(row.summary !== null ? { summary: row.summary } : {}),
    aliases: JSON.parse(row.aliases) as string[],
    upstream: JSON.parse(row.upstream) as string[],
    severity: JSON.parse(row.severity) as StoredSeverity,
    references: JSON.parse(row.refs) as string[],
  };
}

export function inflateRaw(raw: Buffer): string {
  return inflateRawSync(raw).toString("utf8");
}
