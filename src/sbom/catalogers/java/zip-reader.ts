import { inflateBounded } from "./bounded-inflate.js";

/**
 * Reads the central directory of a ZIP file (PKWARE APPNOTE.TXT 6.3.10, sections 4.3.12 to 4.3.16)
 * and extracts single entries. Hand-written rather than fflate's unzipSync because that trusts the
 * declared sizes and inflates everything it is given; here every entry is inflated only on request,
 * through `inflateBounded`, with the caller's budget. ZIP64 archives are refused (a jar that needs
 * ZIP64 is over 4 GiB or 65,535 entries, beyond our limits anyway).
 */

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is unsupported. */
  method: number;
  compressedSize: number;
  /** As the central directory declares it: a hint and an upper bound, never trusted to allocate. */
  size: number;
  localHeaderOffset: number;
}

export type ZipListing = { ok: true; entries: ZipEntry[]; prefix: number } | { ok: false; reason: string };

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65,535 bytes. */
const EOCD_SEARCH = 22 + 0xffff;

export function listZip(bytes: Uint8Array, maxEntries: number): ZipListing {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - EOCD_SEARCH); at--) {
    if (u32(at) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return { ok: false, reason: "not a zip archive (no end of central directory)" };
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff)
    return { ok: false, reason: "ZIP64 archives are not supported" };
  if (count > maxEntries) return { ok: false, reason: `more than ${maxEntries} entries` };
  // Executable jars (Spring Boot's launch script) and self-extractors prepend bytes: every offset
  // the archive records is then short by the prefix length (APPNOTE 4.3.1 allows this).
  const prefix = eocd - cdSize - cdOffset;
  if (prefix < 0) return { ok: false, reason: "central directory lies outside the file" };
  const entries: ZipEntry[] = [];
  let at = cdOffset + prefix;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || u32(at) !== CENTRAL_SIGNATURE)
      return { ok: false, reason: "central directory is corrupt" };
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    if (at + 46 + nameLength > bytes.length) return { ok: false, reason: "central directory is truncated" };
    entries.push({
      name: Buffer.from(bytes.subarray(at + 46, at + 46 + nameLength)).toString("utf8"),
      method: u16(at + 10),
      compressedSize: u32(at + 20),
      size: u32(at + 24),
      localHeaderOffset: u32(at + 42) + prefix,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, entries, prefix };
}

export type EntryResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

/**
 * The entry's bytes, inflated to at most `maxOutput` bytes. The sizes come from the central
 * directory (the local header's may be zero when a data descriptor follows, APPNOTE 4.3.9).
 */
export function readEntry(bytes: Uint8Array, entry: ZipEntry, maxOutput: number): EntryResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    return { ok: false, reason: "local header is missing" };
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) return { ok: false, reason: "entry data is truncated" };
  const data = bytes.subarray(start, end);
  if (entry.method === 0) {
    return data.length > maxOutput
      ? { ok: false, reason: `larger than ${maxOutput} bytes` }
      : { ok: true, bytes: data };
  }
  if (entry.method !== 8) return { ok: false, reason: `compression method ${entry.method} is not supported` };
  return inflateBounded(data, "raw", maxOutput);
}
