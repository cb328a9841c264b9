import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { rejectionOf } from "../../../../test/support/errors.js";
import { unavailable } from "../../../../test/support/requirements.js";
import { openAdvisoryDatabase } from "../../db/database.js";
import { VulnError } from "../../errors.js";
import { osvTestdata, sharedOsvDir, tempDatabasePath, writeOsvArchive } from "../../testing.js";
import { type ImportProgress, importOsv } from "./import.js";

const realFiles = readdirSync(osvTestdata).filter((f) => f.endsWith(".json"));

/** An archive laid out as OSV publishes it: `<ecosystem>/all.zip` (the folder declares the ecosystem). */
const zipOf = (entries: Record<string, string | Uint8Array>, ecosystem = "PyPI") =>
  writeOsvArchive(`${ecosystem}/all.zip`, entries);

describe("importOsv", () => {
  it("imports a single file, a folder recursively, and counts outcomes", async () => {
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const one = await importOsv(db, join(osvTestdata, "GO-2021-0067.json"));
    expect(one).toMatchObject({ records: 1, inserted: 1, ecosystems: { Go: 1 } });
    const all = await importOsv(db, osvTestdata);
    expect(all.records).toBe(realFiles.length + 6);
    expect(all.unchanged).toBe(1);
    expect(all.withdrawn).toBe(1);
    expect(all.ecosystems).toEqual({ Go: 1, PyPI: 4, "crates.io": 2, "Debian:7": 4, "Alpine:v3.18": 1 });
    db.close();
  });

  it("imports an OSV all.zip and reports progress with a known total", async () => {
    const pypi = realFiles.filter((f) => f.startsWith("PYSEC-"));
    const entries = Object.fromEntries(pypi.map((f) => [f, readFileSync(join(osvTestdata, f))]));
    const zip = zipOf({ ...entries, "README.txt": "not a record" });
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const progress: ImportProgress[] = [];
    const summary = await importOsv(db, zip, { onProgress: (p) => progress.push(p) });
    expect(summary.records).toBe(pypi.length);
    expect(progress.at(-1)).toMatchObject({ done: pypi.length, total: pypi.length });
    expect(db.status().find((s) => s.ecosystem === "PyPI")?.lastImport?.source).toBe(zip);
    db.close();
  });

  it("rolls back everything on a bad record and names its file", async () => {
    const path = tempDatabasePath();
    const db = openAdvisoryDatabase(path, { create: true });
    await importOsv(db, join(osvTestdata, "GO-2021-0067.json"));
    const at = new Date();
    const before = JSON.stringify(db.status(at));
    const folder = join(dirname(path), "feed", "nested");
    mkdirSync(folder, { recursive: true });
    for (const f of realFiles) writeFileSync(join(folder, f), readFileSync(join(osvTestdata, f)));
    const bad = join(folder, "ZZZ-bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        id: "ZZZ-1",
        modified: "2024-01-01T00:00:00Z",
        affected: [{ ranges: [{ type: "ECOSYSTEM", events: [{ fixed: "1", introduced: "0" }] }] }],
      }),
    );
    const err = await rejectionOf(VulnError, importOsv(db, join(dirname(path), "feed")));
    expect(err.code).toBe("ADVISORY_INVALID");
    expect(err.message).toContain(bad);
    expect(err.message).toContain("exactly one of introduced");
    expect(JSON.stringify(db.status(at))).toBe(before);
    expect(db.advisory("PYSEC-2019-217")).toBeUndefined();
    db.close();
  });

  it("names the zip entry of a record that is not JSON, and leaves the database as it was", async () => {
    const zip = zipOf({
      "PYSEC-2019-217.json": readFileSync(join(osvTestdata, "PYSEC-2019-217.json")),
      "broken.json": "{",
    });
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    const err = await rejectionOf(VulnError, importOsv(db, zip));
    expect(err.code).toBe("ADVISORY_INVALID");
    expect(err.message).toContain(`${zip}#broken.json`);
    expect(db.advisory("PYSEC-2019-217")).toBeUndefined();
    db.close();
  });

  it.each([
    ["a missing path", "/nonexistent/all.zip", "IMPORT_FAILED"],
    ["a truncated archive", "truncated", "ARCHIVE_INVALID"],
  ])("fails on %s", async (_name, which, code) => {
    let path = which;
    if (which === "truncated") {
      const zip = zipOf({ "a.json": readFileSync(join(osvTestdata, "GO-2021-0067.json")) });
      writeFileSync(zip, readFileSync(zip).subarray(0, 100));
      path = zip;
    }
    const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
    expect((await rejectionOf(VulnError, importOsv(db, path))).code).toBe(code);
    db.close();
  });

  it.skipIf(unavailable(`the shared OSV data set ${sharedOsvDir}`, existsSync(sharedOsvDir)))(
    "imports OSV's real Go, PyPI and crates.io archives",
    async () => {
      const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
      const zips = ["Go.zip", "PyPI.zip", "crates.io.zip"].map((f) => join(sharedOsvDir, f));
      const summary = await importOsv(db, zips);
      expect(summary.records).toBe(4291 + 2661 + 1206);
      expect(summary.ecosystems).toMatchObject({ Go: 4291, PyPI: 2661, "crates.io": 1206 });
      expect(db.lookup("Go", "stdlib").length).toBeGreaterThan(100);
      const again = await importOsv(db, zips[2]!);
      expect(again.unchanged).toBe(1206);
      db.close();
    },
    60_000,
  );
});
