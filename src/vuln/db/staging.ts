import type SqliteDatabase from "better-sqlite3";
import type { OsvAffected, OsvRecord } from "../sources/osv/schema.js";
import { type AdvisoryRow, type AffectedRow, rowsOf } from "./rows.js";
import { recordColumns, STAGING_TABLES } from "./tables.js";

/** Where an input's records came from, kept with each record it wrote. */
export interface ArchiveProvenance {
  /** The archive's (or file's, or folder's) path, or the URL it was downloaded from. */
  archive: string;
  /** sha256 of the archive or file as read; absent for a folder. */
  sha256?: string;
  /** The OSV ecosystem the archive declared (its records may write only that source). */
  ecosystem?: string;
  archiveModified?: Date;
}

export interface StagedOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Rows per staging transaction: large enough that commits cost little, small enough to stay in memory. */
const BATCH = 2_000;

/**
 * An import in two steps, so the database's write lock is held only for the second:
 *
 * 1. `put` writes each parsed, validated record into staging tables in a temporary database
 *    attached to the importing connection (SQLite's `ATTACH ''`: a private file that spills to
 *    disk, so an archive of gigabytes is never held in memory), in batches of short transactions
 *    that touch only that file. Inflating, parsing and validating, the slow part, happen here,
 *    and readers and other writers of the database do not wait for them.
 * 2. `merge` takes the write lock (BEGIN IMMEDIATE) and moves the staged rows that are new, or
 *    newer than the stored ones of the same (source, id), into the live tables with a few
 *    INSERT ... SELECT statements: no parsing, no inflating, time proportional to the rows.
 *
 * Readers never wait (WAL: they read the last commit throughout); a bad record found in step 1
 * leaves the database untouched, as it always did.
 */
export class StagedImport {
  private readonly putAdvisory;
  private readonly stagedModified;
  private readonly deleteStagedAffected;
  private readonly putAffected;
  private pending = 0;

  constructor(private readonly sqlite: SqliteDatabase.Database) {
    sqlite.exec("ATTACH DATABASE '' AS staging");
    try {
      sqlite.exec(STAGING_TABLES);
    } catch (err) {
      sqlite.exec("DETACH DATABASE staging");
      throw err;
    }
    this.stagedModified = sqlite.prepare<[string, string], { modified: number }>(
      "SELECT modified FROM staging.advisories WHERE source = ? AND id = ?",
    );
    this.deleteStagedAffected = sqlite.prepare<[string, string]>(
      "DELETE FROM staging.affected WHERE source = ? AND advisory_id = ?",
    );
    this.putAdvisory = sqlite.prepare<[AdvisoryRow & { input: number }]>(
      `INSERT OR REPLACE INTO staging.advisories (source, id, input, ${recordColumns()})
       VALUES (@source, @id, @input, ${recordColumns("@")})`,
    );
    this.putAffected = sqlite.prepare<[AffectedRow]>(
      "INSERT INTO staging.affected (source, advisory_id, ecosystem, name, ranges) VALUES (@source, @advisory_id, @ecosystem, @name, @ranges)",
    );
  }

  /**
   * Stages one record under `source` with its `entries` of that source. Returns false when this
   * import already staged the same (source, id) as new or newer (it then counts as unchanged).
   */
  put(
    input: number,
    source: string,
    record: OsvRecord,
    entries: readonly OsvAffected[],
    rawJson: string,
    deflated?: Buffer,
  ): boolean {
    if (!this.sqlite.inTransaction) this.sqlite.exec("BEGIN");
    const staged = this.stagedModified.get(source, record.id);
    if (staged && staged.modified >= Date.parse(record.modified)) return false;
    const rows = rowsOf(source, record, entries, rawJson, deflated);
    if (staged) this.deleteStagedAffected.run(source, record.id);
    this.putAdvisory.run({ ...rows.advisory, input });
    for (const row of rows.affected) this.putAffected.run(row);
    if (++this.pending >= BATCH) this.flush();
    return true;
  }

  /**
   * Moves the staged rows into the database in one write transaction, with each input's
   * provenance and the per-ecosystem import times `db status` shows.
   */
  merge(
    provenance: readonly ArchiveProvenance[],
    imports: readonly { input: number; ecosystem: string; records: number }[],
    at: Date,
  ): StagedOutcome {
    this.flush();
    const db = this.sqlite;
    db.exec("BEGIN IMMEDIATE");
    try {
      const putArchive = db.prepare(
        "INSERT INTO archives (name, sha256, ecosystem, imported_at, archive_modified) VALUES (?, ?, ?, ?, ?)",
      );
      const putInput = db.prepare("INSERT INTO staging.inputs (input, archive) VALUES (?, ?)");
      provenance.forEach((p, input) => {
        const { lastInsertRowid } = putArchive.run(
          p.archive,
          p.sha256 ?? null,
          p.ecosystem ?? null,
          at.getTime(),
          p.archiveModified?.getTime() ?? null,
        );
        putInput.run(input, lastInsertRowid);
      });
      db.exec(`
        INSERT INTO staging.changed (source, id, existed)
          SELECT s.source, s.id, a.id IS NOT NULL FROM staging.advisories s
          LEFT JOIN main.advisories a ON a.source = s.source AND a.id = s.id
          WHERE a.id IS NULL OR a.modified < s.modified;
        DELETE FROM main.affected WHERE (source, advisory_id) IN (SELECT source, id FROM staging.changed);
        INSERT OR REPLACE INTO main.advisories (source, id, archive, ${recordColumns()})
          SELECT s.source, s.id, i.archive, ${recordColumns("s.")}
          FROM staging.changed c
          JOIN staging.advisories s ON s.source = c.source AND s.id = c.id
          JOIN staging.inputs i ON i.input = s.input;
        INSERT INTO main.affected (ecosystem, name, advisory_id, ranges, source)
          SELECT f.ecosystem, f.name, f.advisory_id, f.ranges, f.source
          FROM staging.changed c JOIN staging.affected f ON f.source = c.source AND f.advisory_id = c.id;
        DELETE FROM main.archives WHERE NOT EXISTS (SELECT 1 FROM main.advisories a WHERE a.archive = archives.id);
      `);
      const putImport = db.prepare(
        "INSERT OR REPLACE INTO imports (ecosystem, source, records, imported_at, archive_modified) VALUES (?, ?, ?, ?, ?)",
      );
      for (const i of imports) {
        const p = provenance[i.input]!;
        putImport.run(i.ecosystem, p.archive, i.records, at.getTime(), p.archiveModified?.getTime() ?? null);
      }
      const counts = db
        .prepare<[], { changed: number; existed: number | null; staged: number }>(
          "SELECT COUNT(*) AS changed, SUM(existed) AS existed, (SELECT COUNT(*) FROM staging.advisories) AS staged FROM staging.changed",
        )
        .get()!;
      db.exec("COMMIT");
      const updated = counts.existed ?? 0;
      return { inserted: counts.changed - updated, updated, unchanged: counts.staged - counts.changed };
    } catch (err) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Drops the staging database (and its temporary file). */
  close(): void {
    if (this.sqlite.inTransaction) this.sqlite.exec("ROLLBACK");
    this.pending = 0;
    this.sqlite.exec("DETACH DATABASE staging");
  }

  private flush(): void {
    if (this.sqlite.inTransaction) this.sqlite.exec("COMMIT");
    this.pending = 0;
  }
}
