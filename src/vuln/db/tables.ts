/**
 * The advisory database's tables (SQLite). Times are epoch milliseconds. `affected` is the lookup
 * side, one row per (ecosystem, package, advisory), keyed for the matcher's only query; `advisories`
 * holds what a finding shows plus the raw OSV record, deflated (OSV JSON shrinks four- to six-fold
 * and is read back only for matched advisories). `advisories` keeps its rowid: its rows are kilobytes,
 * and a WITHOUT ROWID table spills rows that big into overflow pages (the file grew threefold).
 */
export const SCHEMA_VERSION = 1;

export const CREATE_TABLES = `
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
