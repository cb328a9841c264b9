/**
 * The advisory database's tables (SQLite). Times are epoch milliseconds. `affected` is the lookup
 * side, one row per (ecosystem, package, advisory), keyed for the matcher's only query; `advisories`
 * holds what a finding shows plus the raw OSV record, deflated (OSV JSON shrinks four- to six-fold
 * and is read back only for matched advisories). `advisories` keeps its rowid: its rows are kilobytes,
 * and a WITHOUT ROWID table spills rows that big into overflow pages (the file grew threefold).
 *
 * The schema grows by migrations: `MIGRATIONS[n]` takes a file from `user_version` n to n + 1, and
 * `openAdvisoryDatabase` runs the pending ones in one write transaction (a file already current is
 * opened without writing, so a reader never waits for an import's lock). Never edit a shipped step:
 * append one. (So the migrations spell their columns out, rather than share RECORD_COLUMNS below: a
 * list that moves with the current schema would change a step already run on users' files.)
 */

import type { AdvisoryRow } from "./rows.js";

/** 1: advisories keyed by id alone. */
const V1 = `
CREATE TABLE IF NOT EXISTS advisories (
  id TEXT PRIMARY KEY,
  modified INTEGER NOT NULL,
  published INTEGER,
  withdrawn INTEGER,
  summary TEXT,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  severity TEXT NOT NULL,
  refs TEXT NOT NULL,
  raw BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS affected (
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  advisory_id TEXT NOT NULL,
  ranges TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory_id);

CREATE TABLE IF NOT EXISTS imports (
  ecosystem TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  records INTEGER NOT NULL,
  imported_at INTEGER NOT NULL,
  archive_modified INTEGER
) WITHOUT ROWID;
`;

/**
 * 2 (issue 22): records are keyed by (source, id), source being the OSV ecosystem whose archive
 * carries them ("Debian", "npm": the part before the first colon), so an archive of one ecosystem
 * can no longer replace another's record by reusing its id; each record names the archive it came
 * from (`archives`: name, sha256). Existing rows keep their data under the source their affected
 * rows name, from an archive marked as imported before provenance was kept; a withdrawn record
 * (it has no affected rows) is dropped, to come back with the next import of its archive.
 * `archive` sits before `raw`: SQLite reads a row's columns in order through its overflow pages.
 */
const V2 = `
ALTER TABLE advisories RENAME TO advisories_v1;

CREATE TABLE archives (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  sha256 TEXT,
  ecosystem TEXT,
  imported_at INTEGER NOT NULL,
  archive_modified INTEGER
);

CREATE TABLE advisories (
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  archive INTEGER NOT NULL REFERENCES archives (id),
  modified INTEGER NOT NULL,
  published INTEGER,
  withdrawn INTEGER,
  summary TEXT,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  severity TEXT NOT NULL,
  refs TEXT NOT NULL,
  raw BLOB NOT NULL,
  PRIMARY KEY (source, id)
);
CREATE INDEX advisories_id ON advisories (id);
CREATE INDEX advisories_archive ON advisories (archive);

ALTER TABLE affected ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE affected SET source = CASE WHEN instr(ecosystem, ':') > 0
  THEN substr(ecosystem, 1, instr(ecosystem, ':') - 1) ELSE ecosystem END;
DROP INDEX IF EXISTS affected_advisory;
CREATE INDEX affected_advisory ON affected (source, advisory_id);

INSERT INTO archives (id, name, sha256, ecosystem, imported_at, archive_modified)
  SELECT 1, '(imported before Portcullis kept provenance)', NULL, NULL, 0, NULL
  WHERE EXISTS (SELECT 1 FROM advisories_v1);
INSERT INTO advisories (source, id, archive, modified, published, withdrawn, summary, aliases, upstream, severity, refs, raw)
  SELECT f.source, a.id, 1, a.modified, a.published, a.withdrawn, a.summary, a.aliases, a.upstream, a.severity, a.refs, a.raw
  FROM advisories_v1 a JOIN (SELECT DISTINCT source, advisory_id FROM affected) f ON f.advisory_id = a.id;
DROP TABLE advisories_v1;
`;

export const MIGRATIONS: readonly string[] = [V1, V2];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * What an advisory row holds besides its key (source, id) and where it came from, in the current
 * schema: each column's name and SQL type, in table order. The staging table, and the statements that
 * fill it and merge it into `advisories`, are written from this one list; a test compares it with the
 * live table, so a migration that adds a column fails until the list has it too.
 */
export const RECORD_COLUMNS: ReadonlyArray<
  readonly [name: Exclude<keyof AdvisoryRow, "source" | "id">, type: string]
> = [
  ["modified", "INTEGER NOT NULL"],
  ["published", "INTEGER"],
  ["withdrawn", "INTEGER"],
  ["summary", "TEXT"],
  ["aliases", "TEXT NOT NULL"],
  ["upstream", "TEXT NOT NULL"],
  ["severity", "TEXT NOT NULL"],
  ["refs", "TEXT NOT NULL"],
  ["raw", "BLOB NOT NULL"],
];

/** RECORD_COLUMNS' names, each with `prefix` (`s.` for a SELECT, `@` for named parameters). */
export function recordColumns(prefix = ""): string {
  return RECORD_COLUMNS.map(([name]) => `${prefix}${name}`).join(", ");
}

/**
 * The staging tables an import fills before it takes the database's write lock (an attached
 * temporary database, private to the importing connection): the same rows as `advisories` and
 * `affected`, plus which input each came from.
 */
export const STAGING_TABLES = `
CREATE TABLE staging.advisories (
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  input INTEGER NOT NULL,
${RECORD_COLUMNS.map(([name, type]) => `  ${name} ${type},`).join("\n")}
  PRIMARY KEY (source, id)
);
CREATE TABLE staging.affected (
  source TEXT NOT NULL,
  advisory_id TEXT NOT NULL,
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  ranges TEXT NOT NULL
);
CREATE INDEX staging.affected_advisory ON affected (source, advisory_id);
CREATE TABLE staging.inputs (input INTEGER PRIMARY KEY, archive INTEGER NOT NULL);
CREATE TABLE staging.changed (source TEXT NOT NULL, id TEXT NOT NULL, existed INTEGER NOT NULL, PRIMARY KEY (source, id));
`;
