import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { AdvisoryDatabase } from "../../db/database.js";
import { ecosystemBase } from "../../db/names.js";
import type { ArchiveProvenance, StagedImport } from "../../db/staging.js";
import { VulnError } from "../../errors.js";
import { DEFAULT_MAX_ARCHIVE_BYTES, type Input, openInput, type RecordSource } from "./inputs.js";
import { type OsvAffected, validateOsvRecord } from "./schema.js";

export interface ImportProgress {
  done: number;
  /** Known for archives (their central directory counts entries) and folders; absent while unknown. */
  total?: number;
  /** The file (and `#entry` in an archive) being read. */
  current: string;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** The import's source to record for an input (a download URL); defaults to the input's path. */
  sourceOf?: (path: string) => string;
  /** The archive's modification time to record (a download's Last-Modified); defaults to the file's mtime. */
  archiveModifiedOf?: (path: string) => Date | undefined;
  /**
   * The OSV ecosystem an input declares (`db update`: the one downloaded; `db import --ecosystem`).
   * Without it an archive declares the ecosystem its name gives (`npm.zip`, `npm/all.zip`), and
   * files and folders declare none (each record is stored under the ecosystems it names).
   */
  ecosystemOf?: (path: string) => string | undefined;
  /** Decompressed bytes allowed per archive (default DEFAULT_MAX_ARCHIVE_BYTES, 4 GiB). */
  maxArchiveBytes?: number;
  now?: () => Date;
}

export interface ImportSummary {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  withdrawn: number;
  /**
   * Affected entries of other ecosystems in a declared archive's records, not stored from it: OSV
   * puts a record that spans ecosystems into each one's archive, and each archive writes its own.
   */
  otherEcosystemEntries: number;
  /** Records per OSV ecosystem stored by this import (a null-prototype object: names are data). */
  ecosystems: Record<string, number>;
  durationMs: number;
}

/** How far past this machine's clock a record's `modified` may lie (clock skew between feeds and us). */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

const PROGRESS_EVERY = 500;

/**
 * Imports OSV records from JSON files, folders (recursively, `*.json`) and OSV `all.zip` archives.
 * Every record is read, validated and staged first, outside the database's write lock; then one
 * short transaction merges them (`StagedImport`). A record that is not valid JSON, breaks the
 * schema, has a `modified` in the future, or belongs to another ecosystem than its archive
 * declares aborts the whole import, names its file (and archive entry) and record, and leaves
 * the database as it was. A record replaces the stored one of the same source and id only when
 * its `modified` is newer.
 */
export async function importOsv(
  db: AdvisoryDatabase,
  paths: string | string[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const latest = now().getTime() + MAX_CLOCK_SKEW_MS;
  const inputs: Input[] = [];
  const summary: ImportSummary = {
    records: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    withdrawn: 0,
    otherEcosystemEntries: 0,
    ecosystems: Object.create(null) as Record<string, number>,
    durationMs: 0,
  };
  let staging: StagedImport | undefined;
  try {
    for (const path of Array.isArray(paths) ? paths : [paths]) {
      inputs.push(openInput(path, options.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE_BYTES));
    }
    const total = inputs.reduce((sum, input) => sum + input.total, 0);
    staging = db.stage();
    const perInput: Map<string, number>[] = [];
    const provenance: ArchiveProvenance[] = [];
    for (const [index, input] of inputs.entries()) {
      const declared = options.ecosystemOf?.(input.path) ?? input.namedEcosystem;
      const ecosystems = new Map<string, number>();
      perInput.push(ecosystems);
      const modified = options.archiveModifiedOf?.(input.path) ?? input.modified;
      provenance.push({
        archive: options.sourceOf?.(input.path) ?? input.path,
        ...(input.sha256 ? { sha256: input.sha256 } : {}),
        ...(declared !== undefined ? { ecosystem: declared } : {}),
        archiveModified: modified,
      });
      const context: StageContext = { staging, input: index, declared, latest, summary, ecosystems };
      for (const source of input.records) {
        stageOne(context, source);
        if (summary.records % PROGRESS_EVERY === 0) {
          options.onProgress?.({ done: summary.records, total, current: source.where });
          await yieldToLoop();
        }
      }
    }
    const imports = perInput.flatMap((ecosystems, input) =>
      [...ecosystems].map(([ecosystem, records]) => ({ input, ecosystem, records })),
    );
    options.onProgress?.({ done: summary.records, total, current: "writing to the database" });
    const outcome = staging.merge(provenance, imports, now());
    summary.inserted = outcome.inserted;
    summary.updated = outcome.updated;
    summary.unchanged += outcome.unchanged;
    for (const { ecosystem, records } of imports) {
      summary.ecosystems[ecosystem] = (summary.ecosystems[ecosystem] ?? 0) + records;
    }
    options.onProgress?.({ done: summary.records, total, current: "" });
  } catch (err) {
    if (err instanceof VulnError) throw err;
    throw new VulnError(
      "IMPORT_FAILED",
      `import rolled back, the database is unchanged: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    staging?.close();
    for (const input of inputs) input.close();
  }
  summary.durationMs = performance.now() - started;
  return summary;
}

interface StageContext {
  staging: StagedImport;
  input: number;
  declared: string | undefined;
  /** The latest `modified` accepted (now plus the clock skew), epoch ms. */
  latest: number;
  summary: ImportSummary;
  ecosystems: Map<string, number>;
}

function stageOne(context: StageContext, source: RecordSource): void {
  const { summary, ecosystems, declared } = context;
  const { text: bytes, deflated } = source.read();
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(source.where, undefined, `not JSON: ${(err as Error).message}`);
  }
  const result = validateOsvRecord(value);
  if ("problem" in result) throw invalid(source.where, idOf(value), result.problem);
  const record = result.record;
  if (Date.parse(record.modified) > context.latest) {
    throw invalid(
      source.where,
      record.id,
      `modified ${record.modified} is in the future (more than a day past this machine's clock): a record cannot be newer than now`,
    );
  }
  const bySource = entriesBySource(record.affected ?? []);
  let targets = [...bySource];
  if (declared !== undefined) {
    // A record naming only other ecosystems is refused (it is how one archive would take over
    // another's advisory). A record spanning several keeps only the declared ecosystem's entries:
    // OSV publishes such a record in each of those ecosystems' archives, and each writes its own.
    const own = targets.filter(([base]) => sameEcosystem(base, declared));
    if (targets.length > 0 && own.length === 0) {
      throw foreign(source.where, record.id, declared, [...bySource.keys()]);
    }
    const others = targets.filter(([base]) => !sameEcosystem(base, declared));
    summary.otherEcosystemEntries += others.reduce((n, [, entries]) => n + entries.length, 0);
    targets = own.length > 0 ? own : [[declared, []]];
  } else if (targets.length === 0) {
    // A file's record that names no package (withdrawn, or GIT ranges only) matches nothing.
    targets = [["", []]];
  }
  for (const [base, entries] of targets) {
    if (!context.staging.put(context.input, base, record, entries, text, deflated)) summary.unchanged++;
    for (const ecosystem of new Set(entries.map((e) => e.package!.ecosystem))) {
      ecosystems.set(ecosystem, (ecosystems.get(ecosystem) ?? 0) + 1);
    }
  }
  summary.records++;
  if (record.withdrawn !== undefined) summary.withdrawn++;
}

/** A record's packaged affected entries grouped by the source they belong to (the ecosystem's base). */
function entriesBySource(affected: readonly OsvAffected[]): Map<string, OsvAffected[]> {
  const groups = new Map<string, OsvAffected[]>();
  for (const entry of affected) {
    if (!entry.package) continue;
    const base = ecosystemBase(entry.package.ecosystem);
    const group = groups.get(base);
    if (group) group.push(entry);
    else groups.set(base, [entry]);
  }
  return groups;
}

/** "Red Hat", "Red_Hat" and "red-hat" name one ecosystem (file names cannot hold every spelling). */
function sameEcosystem(a: string, b: string): boolean {
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9.]/g, "");
  return key(a) === key(b);
}

function idOf(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length <= 200 ? id : undefined;
}

function invalid(where: string, id: string | undefined, problem: string): VulnError {
  return new VulnError(
    "ADVISORY_INVALID",
    `${where}${id ? ` (record ${id})` : ""}: ${problem} (import rolled back, the database is unchanged)`,
    { detail: { where, ...(id ? { id } : {}) } },
  );
}

function foreign(where: string, id: string, declared: string, found: string[]): VulnError {
  return new VulnError(
    "ADVISORY_FOREIGN",
    `${where} (record ${id}): affects only ${found.join(", ")} packages, but the archive is declared as ${declared}: ` +
      "an archive writes only its own ecosystem's records (name it <ecosystem>.zip or <ecosystem>/all.zip as OSV " +
      "publishes it, or pass --ecosystem) (import rolled back, the database is unchanged)",
    { detail: { where, id, declared, found } },
  );
}
