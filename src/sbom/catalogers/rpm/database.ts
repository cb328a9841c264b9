import { SbomError } from "../../errors.js";
import { readBerkeleyDbHash } from "./bdb.js";
import { type RpmEntry, rpmEntryFromHeader } from "./entry.js";
import { readNdb } from "./ndb.js";
import { readRpmSqlite } from "./sqlite.js";

/** The three rpmdb backends, named by the file each keeps its headers in. */
export type RpmDbFormat = "bdb" | "ndb" | "sqlite";

export function rpmDbFormatOf(path: string): RpmDbFormat | undefined {
  if (path.endsWith("/Packages")) return "bdb";
  if (path.endsWith("/Packages.db")) return "ndb";
  if (path.endsWith("/rpmdb.sqlite")) return "sqlite";
  return undefined;
}

export interface RpmDbResult {
  entries: RpmEntry[];
  warnings: string[];
}

/**
 * Reads every installed package of an rpm database. A database that cannot be opened throws
 * SbomError; a header that cannot be decoded is a warning, and the other packages are kept.
 * gpg-pubkey entries are the imported signing keys, not packages, and are left out.
 */
export function readRpmDatabase(format: RpmDbFormat, file: Uint8Array): RpmDbResult {
  const warnings: string[] = [];
  let blobs: Uint8Array[];
  if (format === "sqlite") blobs = readRpmSqlite(file);
  else {
    const read = format === "bdb" ? readBerkeleyDbHash(file) : readNdb(file);
    blobs = read.values;
    warnings.push(...read.warnings);
  }
  const entries: RpmEntry[] = [];
  for (const [index, blob] of blobs.entries()) {
    try {
      const entry = rpmEntryFromHeader(blob);
      if (entry.name === "gpg-pubkey") continue;
      if (!entry.name || !entry.version) {
        warnings.push(`header ${index} has no name or version`);
        continue;
      }
      entries.push(entry);
    } catch (error) {
      if (!(error instanceof SbomError)) throw error;
      warnings.push(`header ${index}: ${error.message}`);
    }
  }
  return { entries, warnings };
}
