import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { VulnError } from "../errors.js";
import { importOsv } from "../sources/osv/import.js";
import { validateOsvRecord } from "../sources/osv/schema.js";
import { fixtureDatabase, osvTestdata, tempDatabasePath } from "../testing.js";
import { openAdvisoryDatabase } from "./database.js";
import { normalisePackageName } from "./names.js";

function readRecord(file: string) {
  const text = readFileSync(join(osvTestdata, file), "utf8");
  const result = validateOsvRecord(JSON.parse(text));
  if (!("record" in result)) throw new Error(result.problem);
  return { record: result.record, text };
}

describe("openAdvisoryDatabase", () => {
  it("refuses a missing file with DATABASE_MISSING and a hint to import", () => {
    const path = tempDatabasePath();
    const err = (() => {
      try {
        openAdvisoryDatabase(path);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VulnError);
    expect((err as VulnError).code).toBe("DATABASE_MISSING");
    expect((err as VulnError).message).toContain("portcullis db import");
  });

  it("creates the file when asked and reopens it", () => {
    const path = tempDatabasePath();
    openAdvisoryDatabase(path, { create: true }).close();
    const db = openAdvisoryDatabase(path);
    expect(db.status()).toEqual([]);
    db.close();
  });
});

describe("imports by (source, id)", () => {
  it("replaces a record only with a newer modified", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const { record } = readRecord("PYSEC-2019-217.json");
    const importOne = async (value: object) => {
      const file = join(dirname(tempDatabasePath()), "record.json");
      writeFileSync(file, JSON.stringify(value));
      return importOsv(db, file);
    };
    expect(await importOne(record)).toMatchObject({ inserted: 1 });
    expect(await importOne(record)).toMatchObject({ unchanged: 1 });
    expect(await importOne({ ...record, modified: "2020-01-01T00:00:00Z", summary: "older" })).toMatchObject({
      unchanged: 1,
    });
    const newer = {
      ...record,
      modified: "2025-01-01T00:00:00Z",
      summary: "newer",
      affected: [{ ...record.affected![0]!, package: { ecosystem: "PyPI", name: "Jinja2" } }],
    };
    expect(await importOne(newer)).toMatchObject({ updated: 1 });
    expect(db.advisory("PYSEC-2019-217")?.summary).toBe("newer");
    expect(db.advisory("PYSEC-2019-217", "PyPI")?.source).toBe("PyPI");
    expect(db.lookup("PyPI", "jinja2")).toHaveLength(1);
    expect((db.rawRecord("PYSEC-2019-217") as { summary: string }).summary).toBe("newer");
    db.close();
  });

  it("keeps a withdrawn record but no affected rows for it", async () => {
    const db = await fixtureDatabase();
    expect(db.advisory("PYSEC-2019-144")?.withdrawn).toBe(Date.parse("2022-09-09T05:28:00Z"));
    expect(db.lookup("PyPI", "arrayfire")).toEqual([]);
    db.close();
  });
});

describe("lookup and status", () => {
  it("finds affected rows by ecosystem and normalised name", async () => {
    const db = await fixtureDatabase();
    const ids = db
      .lookup("PyPI", "Jinja2")
      .map((e) => e.advisoryId)
      .sort();
    expect(ids).toEqual(["GHSA-462w-v97r-4m45", "PYSEC-2019-217"]);
    expect(db.lookup("Debian:7", "bash").map((e) => e.advisoryId)).toHaveLength(4);
    expect(db.lookup("Debian:12", "bash")).toEqual([]);
    db.close();
  });

  it("reports records and last import per ecosystem", async () => {
    const db = await fixtureDatabase();
    const status = db.status(new Date(Date.now() + 60_000));
    const byName = Object.fromEntries(status.map((s) => [s.ecosystem, s]));
    expect(Object.keys(byName).sort()).toEqual(["Alpine:v3.18", "Debian:7", "Go", "PyPI", "crates.io"]);
    expect(byName["Debian:7"]!.records).toBe(4);
    expect(byName.PyPI!.records).toBe(3);
    expect(byName.PyPI!.lastImport?.source).toBe(osvTestdata);
    expect(byName.PyPI!.ageMs).toBeGreaterThanOrEqual(60_000);
    db.close();
  });
});

describe("normalisePackageName", () => {
  it.each([
    ["PyPI", "Jinja2", "jinja2"],
    ["PyPI", "zope.interface", "zope-interface"],
    ["PyPI", "Foo__Bar", "foo-bar"],
    ["NuGet", "Newtonsoft.Json", "newtonsoft.json"],
    ["crates.io", "serde_json", "serde-json"],
    ["npm", "@Scope/Name", "@Scope/Name"],
    ["Debian:12", "libc6", "libc6"],
  ])("%s %s → %s", (ecosystem, name, want) => {
    expect(normalisePackageName(ecosystem, name)).toBe(want);
  });
});
