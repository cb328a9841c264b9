import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { VulnError } from "../errors.js";
import type { OsvRecord } from "../sources/osv/schema.js";
import { normalisePackageName } from "./names.js";
import {
  type AdvisoryRow,
  type AffectedEntry,
  type AffectedRow,
  affectedEntryOf,
  inflateRaw,
  rowsOf,
  type StoredAdvisory,
  storedAdvisoryOf,
} from "./rows.js";
import { CREATE_TABLES, SCHEMA_VERSION } from "./tables.js";

export interface EcosystemStatus {
  ecosystem: string;
  /** Advisories (not withdrawn) with at least one affected package in this ecosystem. */
  records: number;
  lastImport?: { at: Date; source: string; archiveModified?: Date };
  /** Milliseconds since the last import. */
  ageMs?: number;
}

export type UpsertOutcome = "inserted" | "updated" | "unchanged";

export interface OpenOptions {
  /** Create the file when missing (imports do; matching and status do not). */
  create?: boolean;
}

/**
 * The advisory store: one SQLite file, read and written through better-sqlite3's prepared
 * statements directly rather than through Kysely. Matching runs one indexed lookup per package
 * and an import tens of thousands of upserts; a query builder's per-call compile and the async
 * hop per statement cost more than the queries themselves here. The database is a local cache of
 * public data, so it is SQLite only (no PostgreSQL): every replica imports its own copy.
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
        "SELECT ecosystem, name, advisory_id, ranges FROM affected WHERE ecosystem = ? AND name = ?",
      ),
      // The raw record is large and rarely needed: a finding reads everything else.
      advisory: sqlite.prepare<[string], Omit<AdvisoryRow, "raw">>(
        "SELECT id, modified, published, withdrawn, summary, aliases, upstream, severity, refs FROM advisories WHERE id = ?",
      ),
      raw: sqlite.prepare<[string], { raw: Buffer }>("SELECT raw FROM advisories WHERE id = ?"),
      modified: sqlite.prepare<[string], { modified: number }>(
        "SELECT modified FROM advisories WHERE id = ?",
      ),
      deleteAffected: sqlite.prepare<[string]>("DELETE FROM affected WHERE advisory_id = ?"),
      putAdvisory: sqlite.prepare<[AdvisoryRow]>(
        `INSERT OR REPLACE INTO advisories (id, modified, published, withdrawn, summary, aliases, upstream, severity, refs, raw)
         VALUES (@id, @modified, @published, @withdrawn, @summary, @aliases, @upstream, @severity, @refs, @raw)`,
      ),
      putAffected: sqlite.prepare<[AffectedRow]>(
        "INSERT INTO affected (ecosystem, name, advisory_id, ranges) VALUES (@ecosystem, @name, @advisory_id, @ranges)",
      ),
      putImport: sqlite.prepare<[string, string, number, number, number | null]>(
        "INSERT OR REPLACE INTO imports (ecosystem, source, records, imported_at, archive_modified) VALUES (?, ?, ?, ?, ?)",
      ),
    };
  }

  /** The stored affected entries of one package, by OSV ecosystem and package name. */
  lookup(ecosystem: string, name: string): AffectedEntry[] {
    return this.statements.lookup.all(ecosystem, normalisePackageName(ecosystem, name)).map(affectedEntryOf);
  }

  advisory(id: string): StoredAdvisory | undefined {
    const row = this.statements.advisory.get(id);
    return row ? storedAdvisoryOf(row) : undefined;
  }

  /** The record exactly as imported. */
  rawRecord(id: string): unknown {
    const row = this.statements.raw.get(id);
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
   * Stores a record unless the stored copy is as new or newer (OSV `modified` orders revisions of
   * one id). Call inside `transaction`. `deflated` is `rawJson` already raw-deflated (a zip entry's
   * bytes), stored as is.
   */
  upsert(record: OsvRecord, rawJson: string, deflated?: Buffer): UpsertOutcome {
    const existing = this.statements.modified.get(record.id);
    const modified = Date.parse(record.modified);
    if (existing && existing.modified >= modified) return "unchanged";
    const rows = rowsOf(record, rawJson, deflated);
    if (existing) this.statements.deleteAffected.run(record.id);
    this.statements.putAdvisory.run(rows.advisory);
    for (const row of rows.affected) this.statements.putAffected.run(row);
    return existing ? "updated" : "inserted";
  }

  recordImport(ecosystem: string, source: string, records: number, at: Date, archiveModified?: Date): void {
    this.statements.putImport.run(
      ecosystem,
      source,
      records,
      at.getTime(),
      archiveModified?.getTime() ?? null,
    );
  }

  /**
   * Runs `work` in one write transaction (BEGIN IMMEDIATE, so a concurrent import waits instead of
   * failing half-way); any throw rolls everything back and leaves the file as it was. `work` may
   * await, so a long import can report progress; meanwhile this connection sees the uncommitted
   * rows, so match through another `openAdvisoryDatabase` (WAL readers see the last commit).
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    this.sqlite.exec("BEGIN IMMEDIATE");
    try {
      const result = await work();
      this.sqlite.exec("COMMIT");
      return result;
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.exec("ROLLBACK");
      throw err;
    }
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
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 10000");
    const version = sqlite.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new VulnError(
        "DATABASE_MISSING",
        `advisory database ${path} has schema ${version}, newer than this Portcullis (${SCHEMA_VERSION}): re-import it`,
      );
    }
    sqlite.exec(CREATE_TABLES);
    sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
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
