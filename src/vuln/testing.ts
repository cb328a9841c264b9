import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
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

/**
 * Writes an OSV archive in a fresh temporary folder; returns its path. `name` is laid out as OSV
 * publishes archives (`PyPI/all.zip`: the folder declares the ecosystem) or as `db update` names them
 * (`Go.zip`). `entries` are file name → content, or records, each written as `<id>.json`.
 */
export function writeOsvArchive(
  name: string,
  entries: Readonly<Record<string, string | Uint8Array>> | readonly { readonly id: string }[],
): string {
  const path = join(dirname(tempDatabasePath()), name);
  mkdirSync(dirname(path), { recursive: true });
  const named = Array.isArray(entries)
    ? entries.map((record) => [`${record.id}.json`, JSON.stringify(record)] as const)
    : Object.entries(entries);
  const encode = (data: string | Uint8Array) =>
    typeof data === "string" ? new TextEncoder().encode(data) : data;
  writeFileSync(path, zipSync(Object.fromEntries(named.map(([file, data]) => [file, encode(data)]))));
  return path;
}
