import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateRawSync } from "node:zlib";
import SqliteDatabase from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { rejectionOf } from "../../../../test/support/errors.js";
import { craftZip } from "../../../core/testing.js";
import { openAdvisoryDatabase } from "../../db/database.js";
import { VulnError } from "../../errors.js";
import { osvTestdata, tempDatabasePath, writeOsvArchive } from "../../testing.js";
import { type ImportProgress, importOsv } from "./import.js";

/** Issue 22: advisory archives from a data supplier who shapes them to hurt (items 7, 12, 14). */

function record(id: string, modified: string, ecosystem: string, name: string, fixed = "3.0.13-1") {
  return {
    id,
    modified,
    affected: [
      {
        package: { ecosystem, name },
        ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed }] }],
      },
    ],
  };
}

describe("item 7: zip bombs and the write transaction", () => {
  it("refuses 65,535 entries that all point at the same 63 MiB of data, at once", async () => {
    const data = deflateRawSync(Buffer.alloc(63 * 1024 * 1024, 0x20));
    const central = Array.from({ length: 65_535 }, (_, i) => ({ name: `r${i}.json`, local: 0 }));
    const path = join(dirname(tempDatabasePath()), "Go.zip");
    writeFileSync(path, craftZip([{ name: "r0.json", data, method: 8, size: 63 * 1024 * 1024 }], central));
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const started = performance.now();
    const err = await rejectionOf(VulnError, importOsv(db, path));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(err.code).toBe("ARCHIVE_INVALID");
    expect(err.message).toContain("overlap");
    db.close();
  }, 30_000);

  it("refuses an archive whose entries add up past the decompressed budget, before reading them", async () => {
    const records = ["GO-2021-0067.json", "PYSEC-2019-217.json"].map((f) =>
      JSON.parse(readFileSync(join(osvTestdata, f), "utf8")),
    );
    const path = writeOsvArchive("Go.zip", [records[0]]);
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(VulnError, importOsv(db, path, { maxArchiveBytes: 100 }));
    expect(err.code).toBe("IMPORT_LIMIT");
    expect(err.message).toContain("--max-archive-bytes");
    expect(db.status()).toEqual([]);
    db.close();
  });

  it("parses the whole archive before it takes the write lock, so readers and writers are not held", async () => {
    const records = Array.from({ length: 1_200 }, (_, i) =>
      record(
        `GO-2099-${String(i).padStart(4, "0")}`,
        "2024-01-01T00:00:00Z",
        "Go",
        `example.com/m${i}`,
        "1.0.0",
      ),
    );
    const path = writeOsvArchive("Go.zip", records);
    const dbPath = tempDatabasePath();
    const db = openAdvisoryDatabase(dbPath, { create: true });
    await importOsv(db, join(osvTestdata, "GO-2021-0067.json"));
    const during: ImportProgress[] = [];
    let writerCouldLock = false;
    let readerSaw = -1;
    await importOsv(db, path, {
      onProgress: (progress) => {
        if (progress.done === 0 || progress.done >= records.length || during.length > 0) return;
        during.push(progress);
        // Another process's write transaction would wait for ours (busy) if we held the lock.
        const other = new SqliteDatabase(dbPath, { timeout: 0 });
        other.exec("BEGIN IMMEDIATE");
        other.exec("ROLLBACK");
        other.close();
        writerCouldLock = true;
        const reader = openAdvisoryDatabase(dbPath);
        readerSaw = reader.lookup("Go", "stdlib").length;
        reader.close();
      },
    });
    expect(during).toHaveLength(1);
    expect(writerCouldLock).toBe(true);
    expect(readerSaw).toBe(1);
    expect(db.lookup("Go", "example.com/m1199")).toHaveLength(1);
    db.close();
  });
});

describe("item 12: one archive cannot take over another's advisories", () => {
  const genuine = record("DEBIAN-CVE-2099-0001", "2024-01-01T00:00:00Z", "Debian:12", "openssl");

  it("refuses a record of another ecosystem, names it, and leaves the database as it was", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    await importOsv(db, writeOsvArchive("Debian.zip", [genuine]));
    const hostile = { ...genuine, modified: "2025-06-01T00:00:00Z", affected: [] };
    const foreign = record("DEBIAN-CVE-2099-0001", "2025-06-01T00:00:00Z", "Debian:12", "openssl", "0.1");
    const err = await rejectionOf(VulnError, importOsv(db, writeOsvArchive("npm.zip", [hostile, foreign])));
    expect(err.code).toBe("ADVISORY_FOREIGN");
    expect(err.message).toContain("DEBIAN-CVE-2099-0001");
    expect(err.message).toContain("npm");
    expect(db.lookup("Debian:12", "openssl").map((e) => e.advisoryId)).toEqual(["DEBIAN-CVE-2099-0001"]);
    db.close();
  });

  it("keys records by source and id: an npm record with a Debian id leaves the Debian one, and updates still land", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    await importOsv(db, writeOsvArchive("Debian.zip", [genuine]));
    const squatter = record("DEBIAN-CVE-2099-0001", "2025-06-01T00:00:00Z", "npm", "left-pad", "9.9.9");
    await importOsv(db, writeOsvArchive("npm.zip", [squatter]));
    expect(db.lookup("Debian:12", "openssl").map((e) => e.advisoryId)).toEqual(["DEBIAN-CVE-2099-0001"]);
    expect(db.lookup("npm", "left-pad").map((e) => e.advisoryId)).toEqual(["DEBIAN-CVE-2099-0001"]);
    const update = { ...genuine, modified: "2024-06-01T00:00:00Z", summary: "fixed later" };
    const summary = await importOsv(db, writeOsvArchive("Debian.zip", [update]));
    expect(summary).toMatchObject({ updated: 1, unchanged: 0 });
    expect(db.advisory("DEBIAN-CVE-2099-0001", "Debian")?.summary).toBe("fixed later");
    db.close();
  });

  it("stores only the declared ecosystem's entries of a record that spans several, as OSV publishes them", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const spanning = record("GHSA-aaaa-bbbb-cccc", "2024-01-01T00:00:00Z", "npm", "webjar-thing");
    spanning.affected.push(record("x", "2024-01-01T00:00:00Z", "Maven", "org.webjars:thing").affected[0]!);
    const summary = await importOsv(db, writeOsvArchive("npm.zip", [spanning]));
    expect(summary).toMatchObject({ inserted: 1, otherEcosystemEntries: 1 });
    expect(db.lookup("npm", "webjar-thing")).toHaveLength(1);
    expect(db.lookup("Maven", "org.webjars:thing")).toEqual([]);
    await importOsv(db, writeOsvArchive("Maven.zip", [spanning]));
    expect(db.lookup("Maven", "org.webjars:thing")).toHaveLength(1);
    expect(
      db
        .advisories("GHSA-aaaa-bbbb-cccc")
        .map((a) => a.source)
        .sort(),
    ).toEqual(["Maven", "npm"]);
    db.close();
  });

  it("refuses a modified time in the future (past a day of clock skew) and names the record", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const now = () => new Date("2026-12-07T00:00:00Z");
    const late = record("GO-2099-0001", "2026-12-07T20:00:00Z", "Go", "example.com/a");
    expect((await importOsv(db, writeOsvArchive("Go.zip", [late]), { now })).inserted).toBe(1);
    const future = record("GO-2099-0002", "2026-12-09T00:00:00Z", "Go", "example.com/b");
    const err = await rejectionOf(VulnError, importOsv(db, writeOsvArchive("Go.zip", [future]), { now }));
    expect(err.code).toBe("ADVISORY_INVALID");
    expect(err.message).toContain("GO-2099-0002");
    expect(err.message).toContain("future");
    db.close();
  });

  it.each([
    ["a date without a time", "9999-12-31"],
    ["a space for the T", "2024-01-01 10:00:00Z"],
    ["no time zone", "2024-01-01T10:00:00"],
    ["an HTTP date", "Tue, 02 Jan 2024 00:00:00 GMT"],
    ["a day February lacks", "2024-02-30T00:00:00Z"],
  ])("refuses %s as modified, naming the record", async (_name, modified) => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(
      VulnError,
      importOsv(db, writeOsvArchive("Go.zip", [record("GO-2099-0003", modified, "Go", "a")])),
    );
    expect(err.code).toBe("ADVISORY_INVALID");
    expect(err.message).toContain("GO-2099-0003");
    expect(err.message).toContain("RFC 3339");
    db.close();
  });

  it("keeps each record's provenance and lists the sources", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const path = writeOsvArchive("Debian.zip", [genuine]);
    await importOsv(db, path);
    const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
    expect(db.sources()).toEqual([
      expect.objectContaining({ archive: path, sha256, ecosystem: "Debian", records: 1 }),
    ]);
    await importOsv(db, join(osvTestdata, "GO-2021-0067.json"));
    expect(db.sources().map((s) => [s.archive, s.records])).toEqual([
      [path, 1],
      [join(osvTestdata, "GO-2021-0067.json"), 1],
    ]);
    db.close();
  });
});

describe("item 14: user keys never meet Object.prototype", () => {
  it("counts an ecosystem named constructor as any other", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const file = join(dirname(tempDatabasePath()), "odd.json");
    writeFileSync(file, JSON.stringify(record("ODD-1", "2024-01-01T00:00:00Z", "constructor", "x")));
    const summary = await importOsv(db, file);
    expect(summary.ecosystems.constructor).toBe(1);
    expect(JSON.stringify(summary.ecosystems)).toBe('{"constructor":1}');
    expect(db.status().map((s) => [s.ecosystem, s.records])).toEqual([["constructor", 1]]);
    db.close();
  });
});
