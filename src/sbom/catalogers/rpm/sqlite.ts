import Database from "better-sqlite3";
import { SbomError } from "../../errors.js";

/**
 * Blobs of rpm's SQLite database, rpmdb.sqlite (rpm lib/backend/sqlite.c): the table Packages
 * (hnum INTEGER PRIMARY KEY, blob BLOB) holds one header blob per installed package. The file is
 * opened from memory (better-sqlite3 deserialises a Buffer). rpm leaves it in WAL mode, and a
 * deserialised database cannot open a WAL, so the copy's header is switched to the rollback
 * journal first (bytes 18 and 19, the file format read/write versions: 2 = WAL, 1 = legacy;
 * https://www.sqlite.org/fileformat.html#file_format_version_numbers).
 */
export function readRpmSqlite(file: Uint8Array): Uint8Array[] {
  if (file.length < 100 || Buffer.from(file.subarray(0, 16)).toString("latin1") !== "SQLite format 3\0") {
    throw new SbomError("PACKAGE_DB_INVALID", "rpm SQLite: not an SQLite 3 database");
  }
  const copy = Buffer.from(file);
  if (copy[18] === 2) copy[18] = 1;
  if (copy[19] === 2) copy[19] = 1;
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { readonly: true });
    const rows = db.prepare("SELECT blob FROM Packages ORDER BY hnum").raw().all() as unknown[][];
    return rows.map((row) => row[0]).filter((blob): blob is Buffer => Buffer.isBuffer(blob));
  } catch (error) {
    throw new SbomError("PACKAGE_DB_INVALID", `rpm SQLite: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}
