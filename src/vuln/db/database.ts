import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { VulnError } from "../errors.js";
import { normalisePackageName } from "./names.js";
import {
  type AdvisoryRow,
  type AffectedEntry,
  type AffectedRow,
  affectedEntryOf,
  inflateRaw,
  type StoredAdvisory,
  storedAdvisoryOf,
} from "./rows.js";
import { StagedImport } from "./staging.js";
import { MIGRATIONS, RECORD_COLUMNS, SCHEMA_VERSION } from "./tables.js";

export interface EcosystemStatus {
  ecosystem: string;
  /** Advisories (not withdrawn) with at least one affected package in this ecosystem. */
  records: number;
  lastImport?: { at: Date; source: string; archiveModified?: Date };
  /** Milliseconds since the last import. */
  ageMs?: number;
}

/** One archive (or file, or folder) that records in the database came from. */
export interface SourceStatus {
  archive: string;
  /** sha256 of the archive as imported; absent for a folder and for records imported before it was kept. */
  sha256?: string;
  /** The OSV ecosystem the archive declared; absent for files and folders, which write per record. */
  ecosystem?: string;
  /** Records stored from it (a record replaced by a later archive counts there). */
  records: number;
  importedAt: Date;
  archiveModified?: Date;
}

export interface OpenOptions {
  /** Create the file when missing (imports do; matching and status do not). */
  create?: boolean;
}

/** What a finding shows of an advisory: every column but `raw`, which is read only when asked for. */
const ADVISORY_COLUMNS = `source, id, ${RECORD_COLUMNS.flatMap(([name]) => (name === "raw" ? [] : [name])).join(", ")}`;

/**
 * The advisory store: one SQLite file, read and written through better-sqlite3's prepared
 * statements directly rather than through Kysely. Matching runs one indexed lookup per package
 * and an import tens of thousands of upserts; a query builder's per-call compile and the async
 * hop per statement cost more than the queries themselves here. The database is a local cache of
 * public data, so it is SQLite only (no PostgreSQL): every replica imports its own copy.
 *
 * Records are keyed by (source, id): the source is the OSV ecosystem whose archive carries the
 * record, so one ecosystem's archive cannot replace another's advisory by reusing its id.
 */
export class AdvisoryDatabase {
  readonly path: string;
  private readonly sqlite: SqliteDatabase.Database;
  private readonly statements;

  constructor(path: string, sqlite: SqliteDatabase.Database) {
    this.path = path;
    this.sqlite = sqlite;
    this.statements = {
      lookup: sqlite.prepare<[string, string], AffectedRow>(
        "SELECT source, ecosystem, name, advisory_id, ranges FROM affected WHERE ecosystem = ? AND name = ?",
      ),
      // The raw record is large and rarely needed: a finding reads everything else.
      advisory: sqlite.prepare<[string, string], Omit<AdvisoryRow, "raw">>(
        `SELECT ${ADVISORY_COLUMNS} FROM advisories WHERE source = ? AND id = ?`,
      ),
      advisoriesById: sqlite.prepare<[string], Omit<AdvisoryRow, "raw">>(
        `SELECT ${ADVISORY_COLUMNS} FROM advisories WHERE id = ? ORDER BY modified DESC, source`,
      ),
      raw: sqlite.prepare<[string, string], { raw: Buffer }>(
        "SELECT raw FROM advisories WHERE source = ? AND id = ?",
      ),
    };
  }

  /** The stored affected entries of one package, by OSV ecosystem and package name. */
  lookup(ecosystem: string, name: string): AffectedEntry[] {
    return this.statements.lookup.all(ecosystem, normalisePackageName(ecosystem, name)).map(affectedEntryOf);
  }

  /**
   * One advisory: `source`'s record of that id, or without a source the most recently modified of
   * the records sharing the id (for display; matching always names the source).
   */
  advisory(id: string, source?: string): StoredAdvisory | undefined {
    const row =
      source === undefined
        ? this.statements.advisoriesById.get(id)
        : this.statements.advisory.get(source, id);
    return row ? storedAdvisoryOf(row) : undefined;
  }

  /** Every source's record of an id (an alias's severity may come from any of them). */
  advisories(id: string): StoredAdvisory[] {
    return this.statements.advisoriesById.all(id).map(storedAdvisoryOf);
  }

  /** The record exactly as imported. */
  rawRecord(id: string, source?: string): unknown {
    const src = source ?? this.statements.advisoriesById.get(id)?.source;
    const row = src === undefined ? undefined : this.statements.raw.get(src, id);
    return row ? JSON.parse(inflateRaw(row.raw)) : undefined;
  }

  /** Every ecosystem that has affected rows ("Debian:12", "Go", ...). */
  ecosystems(): string[] {
    return this.sqlite
      .prepare<[], { ecosystem: string }>("SELECT DISTINCT ecosystem FROM affected ORDER BY ecosystem")
      .all()
      .map((r) => r.ecosystem);
  }

  /**
   * Starts an import: records are staged outside the database's write lock and merged in one
   * short transaction (`StagedImport`). Close the staging when done, merged or not.
   */
  stage(): StagedImport {
    return new StagedImport(this.sqlite);
  }

  status(now: Date = new Date()): EcosystemStatus[] {
    const counts = this.sqlite
      .prepare<[], { ecosystem: string; records: number }>(
        "SELECT ecosystem, COUNT(DISTINCT advisory_id) AS records FROM affected GROUP BY ecosystem",
      )
      .all();
    const imports = this.sqlite
      .prepare<
        [],
        { ecosystem: string; source: string; imported_at: number; archive_modified: number | null }
      >("SELECT ecosystem, source, imported_at, archive_modified FROM imports")
      .all();
    const byEcosystem = new Map<string, EcosystemStatus>();
    for (const c of counts) byEcosystem.set(c.ecosystem, { ecosystem: c.ecosystem, records: c.records });
    for (const i of imports) {
      const status = byEcosystem.get(i.ecosystem) ?? { ecosystem: i.ecosystem, records: 0 };
      status.lastImport = {
        at: new Date(i.imported_at),
        source: i.source,
        ...(i.archive_modified !== null ? { archiveModified: new Date(i.archive_modified) } : {}),
      };
      status.ageMs = now.getTime() - i.imported_at;
      byEcosystem.set(i.ecosystem, status);
    }
    return [...byEcosystem.values()].sort((a, b) => a.ecosystem.localeCompare(b.ecosystem));
  }

  /** The archives the stored records came from, oldest import first, with how many each holds. */
  sources(): SourceStatus[] {
    return this.sqlite
      .prepare<
        [],
        {
          name: string;
          sha256: string | null;
          ecosystem: string | null;
          imported_at: number;
          archive_modified: number | null;
          records: number;
        }
      >(
        `SELECT name, sha256, ecosystem, imported_at, archive_modified,
           (SELECT COUNT(*) FROM advisories a WHERE a.archive = archives.id) AS records
         FROM archives ORDER BY imported_at, id`,
      )
      .all()
      .map((row) => ({
        archive: row.name,
        ...(row.sha256 !== null ? { sha256: row.sha256 } : {}),
        ...(row.ecosystem !== null ? { ecosystem: row.ecosystem } : {}),
        records: row.records,
        importedAt: new Date(row.imported_at),
        ...(row.archive_modified !== null ? { archiveModified: new Date(row.archive_modified) } : {}),
      }));
  }

  /**
   * Changes whenever an import commits (even one that changed nothing, which is harmless): stored
   * scan reports name the revision they were matched against, and are matched again when it moves.
   */
  revision(): string {
    const row = this.sqlite
      .prepare<[], { at: number | null; n: number }>(
        "SELECT MAX(imported_at) AS at, COUNT(*) AS n FROM imports",
      )
      .get();
    const advisories = this.sqlite.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM advisories").get();
    return `${row?.at ?? 0}-${row?.n ?? 0}-${advisories?.n ?? 0}`;
  }

  close(): void {
    this.sqlite.close();
  }
}

/**
 * Opens the advisory database. WAL lets `portcullis scan` read while `db update` writes;
 * synchronous=NORMAL is safe against a killed process, and a lost last import after a power cut
 * is simply imported again.
 */
export function openAdvisoryDatabase(path: string, options: OpenOptions = {}): AdvisoryDatabase {
  if (path !== ":memory:" && !existsSync(path)) {
    if (!options.create) {
      throw new VulnError(
        "DATABASE_MISSING",
        `no advisory database at ${path}: run \`portcullis db import <osv-file-folder-or-zip>\` (offline) or \`portcullis db update\` first`,
      );
    }
    mkdirSync(dirname(path), { recursive: true });
  }
  const sqlite = new SqliteDatabase(path);
  try {
    sqlite.pragma("busy_timeout = 10000");
    // Switching to WAL takes an exclusive lock: only a file not yet in WAL (a new one) is switched.
    if (sqlite.pragma("journal_mode", { simple: true }) !== "wal") sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    migrate(sqlite, path);
  } catch (err) {
    sqlite.close();
    if (err instanceof VulnError) throw err;
    throw new VulnError(
      "DATABASE_MISSING",
      `cannot open advisory database ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return new AdvisoryDatabase(path, sqlite);
}

/**
 * Opens the advisory database a scan matches against, refusing one that is missing
 * (DATABASE_MISSING) or holds no advisories (DATABASE_EMPTY): either would turn "not matched" into
 * "no vulnerabilities found". Each message names the command that fixes it.
 */
export function openAdvisoryDatabaseForScan(path: string): AdvisoryDatabase {
  const database = openAdvisoryDatabase(path);
  if (database.ecosystems().length === 0) {
    database.close();
    throw new VulnError(
      "DATABASE_EMPTY",
      `advisory database ${path} holds no advisories: run \`portcullis db import <osv-file-folder-or-zip>\` (offline) or \`portcullis db update\``,
    );
  }
  return database;
}

function schemaVersion(sqlite: SqliteDatabase.Database): number {
  return sqlite.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the file to SCHEMA_VERSION by running the pending MIGRATIONS in one write transaction
 * (re-reading the version once the lock is held: another process may have migrated meanwhile). A
 * current file is not written to, so opening it never waits for an import.
 */
function migrate(sqlite: SqliteDatabase.Database, path: string): void {
  const found = schemaVersion(sqlite);
  if (found > SCHEMA_VERSION) {
    throw new VulnError(
      "DATABASE_MISSING",
      `advisory database ${path} has schema ${found}, newer than this Portcullis (${SCHEMA_VERSION}): re-import it`,
    );
  }
  if (found === SCHEMA_VERSION) return;
  sqlite.exec("BEGIN IMMEDIATE");
  try {
    for (let version = schemaVersion(sqlite); version < SCHEMA_VERSION; version++) {
      sqlite.exec(MIGRATIONS[version]!);
      sqlite.pragma(`user_version = ${version + 1}`);
    }
    sqlite.exec("COMMIT");
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    throw err;
  }
}
