import { deflateRawSync } from "node:zlib";
import SqliteDatabase from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDatabasePath } from "../testing.js";
import { openAdvisoryDatabase } from "./database.js";
import { MIGRATIONS, RECORD_COLUMNS, SCHEMA_VERSION } from "./tables.js";

/** A file as Portcullis wrote it before records were keyed by (source, id) (schema 1). */
function schemaOneFile(): string {
  const path = tempDatabasePath();
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec(MIGRATIONS[0]!);
  sqlite.pragma("user_version = 1");
  const advisory = sqlite.prepare(
    "INSERT INTO advisories (id, modified, aliases, upstream, severity, refs, raw) VALUES (?, ?, '[]', '[]', '{\"vectors\":[]}', '[]', ?)",
  );
  advisory.run("DEBIAN-CVE-2014-6271", 1_700_000_000_000, deflateRawSync('{"id":"DEBIAN-CVE-2014-6271"}'));
  advisory.run("PYSEC-2019-144", 1_700_000_000_000, deflateRawSync('{"id":"PYSEC-2019-144"}'));
  sqlite
    .prepare("INSERT INTO affected (ecosystem, name, advisory_id, ranges) VALUES (?, ?, ?, ?)")
    .run("Debian:7", "bash", "DEBIAN-CVE-2014-6271", '{"r":[],"v":["4.2"]}');
  sqlite.close();
  return path;
}

describe("advisory database migrations", () => {
  it("moves schema 1 records under the source their affected rows name", () => {
    const db = openAdvisoryDatabase(schemaOneFile());
    expect(db.lookup("Debian:7", "bash")).toEqual([
      expect.objectContaining({ advisoryId: "DEBIAN-CVE-2014-6271", source: "Debian" }),
    ]);
    expect(db.advisory("DEBIAN-CVE-2014-6271", "Debian")?.modified).toBe(1_700_000_000_000);
    expect(db.rawRecord("DEBIAN-CVE-2014-6271", "Debian")).toEqual({ id: "DEBIAN-CVE-2014-6271" });
    // A withdrawn record has no affected rows, so no known source: the next import brings it back.
    expect(db.advisory("PYSEC-2019-144")).toBeUndefined();
    expect(db.sources()).toEqual([
      expect.objectContaining({ archive: "(imported before Portcullis kept provenance)", records: 1 }),
    ]);
    db.close();
  });

  it("opens a current file without writing to it, so a reader never waits for an import's lock", () => {
    const path = tempDatabasePath();
    openAdvisoryDatabase(path, { create: true }).close();
    const writer = new SqliteDatabase(path);
    writer.exec("BEGIN IMMEDIATE");
    try {
      const started = performance.now();
      const reader = openAdvisoryDatabase(path);
      expect(reader.status()).toEqual([]);
      reader.close();
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      writer.exec("ROLLBACK");
      writer.close();
    }
    const sqlite = new SqliteDatabase(path);
    expect(sqlite.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    sqlite.close();
  });

  it("keeps RECORD_COLUMNS (which the staging table and the merge are written from) the live table's", () => {
    const path = tempDatabasePath();
    openAdvisoryDatabase(path, { create: true }).close();
    const sqlite = new SqliteDatabase(path, { readonly: true });
    const live = sqlite
      .prepare<[], { name: string; type: string; notnull: number }>("PRAGMA table_info(advisories)")
      .all()
      .map((c) => [c.name, `${c.type}${c.notnull ? " NOT NULL" : ""}`]);
    sqlite.close();
    expect(live).toEqual([
      ["source", "TEXT NOT NULL"],
      ["id", "TEXT NOT NULL"],
      ["archive", "INTEGER NOT NULL"],
      ...RECORD_COLUMNS,
    ]);
  });
});
