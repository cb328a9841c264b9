import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AdvisoryDatabase, openAdvisoryDatabase } from "./db/database.js";
import { importOsv } from "./sources/osv/import.js";

/** Test helpers for the vulnerability domain; not exported from its face. */

export const osvTestdata = fileURLToPath(new URL("./testdata/osv/", import.meta.url));
export const sharedOsvDir = `${import.meta.dirname}/../../../shared/testdata/advisories/osv/`;

export function tempDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), "portcullis-vuln-")), "advisories.db");
}

/** A fresh database holding every record under testdata/osv (real ones and the hand-made ones). */
export async function fixtureDatabase(): Promise<AdvisoryDatabase> {
  const db = openAdvisoryDatabase(tempDatabasePath(), { create: true });
  await importOsv(db, osvTestdata);
  return db;
}
