import { SbomError } from "../../errors.js";

/**
 * Values of a Berkeley DB hash database, the format of rpm's classic /var/lib/rpm/Packages
 * (libdb src/dbinc/db_page.h). Page 0 is the hash metadata page: magic 0x061561 at byte 12, in
 * the byte order of the machine that wrote it, page size at 20, last page number at 32. Hash
 * pages (types 2 and 13) hold key/value item pairs through an index of 2-byte offsets after the
 * 26-byte page header; rpm's values (the header blobs) are too big to sit on the page, so each
 * is an HOFFPAGE item (type 3: pgno at +4, total length at +8) pointing to a chain of overflow
 * pages (type 7) linked by next_pgno, each carrying hf_offset bytes after its header.
 */
const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_OFFPAGE = 3;
const HOFFPAGE_SIZE = 12;

export interface BerkeleyDbValues {
  values: Uint8Array[];
  warnings: string[];
}

function invalid(message: string): SbomError {
  return new SbomError("PACKAGE_DB_INVALID", `Berkeley DB: ${message}`);
}

export function readBerkeleyDbHash(file: Uint8Array): BerkeleyDbValues {
  if (file.length < 512) throw invalid(`file of ${file.length} bytes is too small for a metadata page`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let little: boolean;
  if (view.getUint32(12, true) === HASH_MAGIC) little = true;
  else if (view.getUint32(12, false) === HASH_MAGIC) little = false;
  else throw invalid("not a hash database (magic 0x061561 missing)");
  if (file[25] !== P_HASHMETA) throw invalid(`page 0 has type ${file[25]}, not hash metadata`);
  if (file[24] !== 0) throw invalid("database is encrypted");
  const pageSize = view.getUint32(20, little);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw invalid(`page size ${pageSize} is not a power of two between 512 and 65536`);
  }
  const pagesInFile = Math.floor(file.length / pageSize);
  const lastPage = Math.min(view.getUint32(32, little), pagesInFile - 1);
  const warnings: string[] = [];
  if (view.getUint32(32, little) >= pagesInFile) {
    warnings.push(`metadata names ${view.getUint32(32, little) + 1} pages but the file holds ${pagesInFile}`);
  }
  const db: Db = { file, view, little, pageSize, pagesInFile, claimed: new Set() };
  const values: Uint8Array[] = [];
  for (let page = 1; page <= lastPage; page++) {
    const start = page * pageSize;
    const type = file[start + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = view.getUint16(start + 20, little);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      warnings.push(`page ${page}: ${entries} entries do not fit the page`);
      continue;
    }
    // Items come in key/value pairs; the values are the odd ones.
    for (let item = 1; item < entries; item += 2) {
      const itemOffset = view.getUint16(start + PAGE_HEADER + item * 2, little);
      const at = start + itemOffset;
      // Small inline values (H_KEYDATA) hold no headers: rpm's record 0, for instance.
      if (itemOffset >= pageSize || file[at] !== H_OFFPAGE) continue;
      if (itemOffset + HOFFPAGE_SIZE > pageSize) {
        warnings.push(`page ${page}: item ${item} at ${itemOffset} does not fit the page`);
        continue;
      }
      try {
        values.push(readOverflowChain(db, view.getUint32(at + 4, little), view.getUint32(at + 8, little)));
      } catch (error) {
        if (!(error instanceof SbomError)) throw error;
        warnings.push(`page ${page}: item ${item}: ${error.message}`);
      }
    }
  }
  return { values, warnings };
}

interface Db {
  file: Uint8Array;
  view: DataView;
  little: boolean;
  pageSize: number;
  pagesInFile: number;
  /**
   * Overflow pages already read. In a sound database each belongs to one value; refusing a page
   * twice keeps the work linear in the file size when a crafted file points every item at the
   * same long chain.
   */
  claimed: Set<number>;
}

function readOverflowChain(db: Db, firstPage: number, totalLength: number): Uint8Array {
  const capacity = db.pageSize - PAGE_HEADER;
  // A chain can visit each page at most once; more means a loop.
  if (totalLength > db.pagesInFile * capacity)
    throw invalid(`value of ${totalLength} bytes exceeds the file`);
  const value = new Uint8Array(totalLength);
  let filled = 0;
  let page = firstPage;
  while (filled < totalLength) {
    if (page === 0 || page >= db.pagesInFile) throw invalid(`overflow chain reaches page ${page}`);
    if (db.claimed.has(page))
      throw invalid(`overflow page ${page} is reached twice (a loop or a shared chain)`);
    db.claimed.add(page);
    const start = page * db.pageSize;
    if (db.file[start + 25] !== P_OVERFLOW)
      throw invalid(`page ${page} in an overflow chain is not an overflow page`);
    const length = Math.min(db.view.getUint16(start + 22, db.little), capacity, totalLength - filled);
    value.set(db.file.subarray(start + PAGE_HEADER, start + PAGE_HEADER + length), filled);
    filled += length;
    if (length === 0) throw invalid(`overflow page ${page} is empty`);
    page = db.view.getUint32(start + 16, db.little);
  }
  return value;
}
