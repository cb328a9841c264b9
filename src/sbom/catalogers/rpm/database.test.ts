import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { readRpmDatabase } from "./database.js";
import { RpmTag } from "./header.js";
import { buildHeader } from "./testing-header.js";

function sqliteWith(blobs: Uint8Array[]): Buffer {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO Packages (blob) VALUES (?)");
  for (const blob of blobs) insert.run(Buffer.from(blob));
  const bytes = db.serialize();
  db.close();
  return bytes;
}

const header = (name: string, version = "1.0", release = "1") =>
  buildHeader([
    [RpmTag.NAME, 6, name],
    [RpmTag.VERSION, 6, version],
    [RpmTag.RELEASE, 6, release],
  ]);

describe("readRpmDatabase", () => {
  it("skips gpg-pubkey, warns about an unreadable header and keeps the rest", () => {
    const file = sqliteWith([
      header("bash"),
      header("gpg-pubkey", "fd431d51", "4ae0493b"),
      new Uint8Array([1, 2, 3]),
    ]);
    const { entries, warnings } = readRpmDatabase("sqlite", file);
    expect(entries.map((e) => e.name)).toEqual(["bash"]);
    expect(warnings).toEqual([expect.stringMatching(/^header 2: rpm header:/)]);
  });

  it("warns about a header without a version", () => {
    const noVersion = buildHeader([[RpmTag.NAME, 6, "x"]]);
    const { entries, warnings } = readRpmDatabase("sqlite", sqliteWith([noVersion]));
    expect(entries).toEqual([]);
    expect(warnings).toEqual(["header 0 has no name or version"]);
  });

  it("throws PACKAGE_DB_INVALID for an SQLite file without the Packages table", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE Other (x)");
    const bytes = db.serialize();
    db.close();
    expect(() => readRpmDatabase("sqlite", bytes)).toThrow(
      expect.objectContaining({ code: "PACKAGE_DB_INVALID" }),
    );
  });
});
