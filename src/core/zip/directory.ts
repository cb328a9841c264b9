import { ZipError } from "./error.js";
import type { ZipSource } from "./sources.js";

/**
 * The central directory of a ZIP archive (PKWARE APPNOTE.TXT 6.3.10: 4.3.12 central directory
 * headers, 4.3.14-4.3.16 the ZIP64 end record, its locator and the end record, 4.5.3 the ZIP64
 * extra field). Read once, when an archive is opened, with every entry's place checked before any
 * byte of it is inflated.
 */

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated; any other is refused when read. */
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  /**
   * The uncompressed size the central directory declares: an entry must inflate to exactly this, so
   * sizes can be budgeted before anything is read. (The local header's may be zero when a data
   * descriptor follows, APPNOTE 4.3.9; the central directory's is the one kept.)
   */
  readonly size: number;
  /** Where the entry's local header starts in the source. */
  readonly localHeaderOffset: number;
  /** Where its data starts: after the local header's name and extra field. */
  readonly dataOffset: number;
}

export interface Directory {
  entries: ZipEntry[];
  /**
   * Bytes before the archive proper. Executable jars (Spring Boot's launch script) and
   * self-extractors prepend them, and every offset the archive records is then short by this many
   * (APPNOTE 4.3.1 allows it).
   */
  prefix: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_32 = 0xffffffff;
/** The end record is 22 bytes, followed by a comment of at most 65,535. */
const EOCD_SEARCH = 22 + 0xffff;
const CENTRAL_HEADER = 46;
const LOCAL_HEADER = 30;

export function readDirectory(source: ZipSource, maxEntries: number): Directory {
  const end = findEnd(source);
  const { count, cdSize, cdOffset, cdEnd } = end;
  const prefix = cdEnd - cdSize - cdOffset;
  if (prefix < 0) throw new ZipError("ZIP_INVALID", "the central directory lies outside the file");
  if (count > maxEntries) throw new ZipError("ZIP_LIMIT", `more than ${maxEntries} entries (${count})`);
  if (count * CENTRAL_HEADER > cdSize) {
    throw new ZipError(
      "ZIP_INVALID",
      `a central directory of ${cdSize} bytes cannot hold the ${count} entries it declares`,
    );
  }
  const cdStart = cdOffset + prefix;
  const entries = readHeaders(source.read(cdStart, cdSize), count, prefix).map((header) =>
    locate(source, header),
  );
  refuseOverlaps(entries, cdStart);
  return { entries, prefix };
}

/** The end record (and the ZIP64 one when there is a locator): entry count and the directory's place. */
function findEnd(source: ZipSource): { count: number; cdSize: number; cdOffset: number; cdEnd: number } {
  const tailLength = Math.min(source.size, EOCD_SEARCH);
  const tailStart = source.size - tailLength;
  const tail = source.read(tailStart, tailLength);
  let at = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipError("ZIP_INVALID", "not a zip archive (no end of central directory record)");
  const eocd = tailStart + at;
  const locator = eocd - 20;
  if (locator >= 0 && source.read(locator, 4).readUInt32LE(0) === ZIP64_LOCATOR) {
    // The locator records where the ZIP64 end record is; the central directory ends where it begins.
    const recorded = Number(source.read(locator + 8, 8).readBigUInt64LE(0));
    const record = source.read(recorded, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD)
      throw new ZipError("ZIP_INVALID", "bad ZIP64 end of central directory record");
    return {
      count: Number(record.readBigUInt64LE(32)),
      cdSize: Number(record.readBigUInt64LE(40)),
      cdOffset: Number(record.readBigUInt64LE(48)),
      cdEnd: recorded,
    };
  }
  return {
    count: tail.readUInt16LE(at + 10),
    cdSize: tail.readUInt32LE(at + 12),
    cdOffset: tail.readUInt32LE(at + 16),
    cdEnd: eocd,
  };
}

type Header = Omit<ZipEntry, "dataOffset">;

function readHeaders(cd: Buffer, count: number, prefix: number): Header[] {
  const headers: Header[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_HEADER > cd.length || cd.readUInt32LE(p) !== CENTRAL)
      throw new ZipError("ZIP_INVALID", `bad central directory header ${i + 1} of ${count}`);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const nameEnd = p + CENTRAL_HEADER + nameLength;
    const name = cd.toString("utf8", p + CENTRAL_HEADER, Math.min(cd.length, nameEnd));
    if (nameEnd + extraLength + commentLength > cd.length) {
      throw new ZipError(
        "ZIP_INVALID",
        `central directory header ${i + 1} of ${count}: its name, extra field and comment run past the central directory`,
        name,
      );
    }
    const header = {
      name,
      method: cd.readUInt16LE(p + 10),
      encrypted: (cd.readUInt16LE(p + 8) & 1) === 1,
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    };
    applyZip64Extra(header, cd.subarray(nameEnd, nameEnd + extraLength));
    headers.push({ ...header, localHeaderOffset: header.localHeaderOffset + prefix });
    p = nameEnd + extraLength + commentLength;
  }
  return headers;
}

/**
 * ZIP64 extended information (header id 1, APPNOTE 4.5.3) holds, in order, only the fields
 * saturated at 0xFFFFFFFF. Every length is checked against the bytes actually there.
 */
function applyZip64Extra(
  header: { name: string; size: number; compressedSize: number; localHeaderOffset: number },
  extra: Buffer,
): void {
  const saturated = (["size", "compressedSize", "localHeaderOffset"] as const).filter(
    (field) => header[field] === MAX_32,
  );
  let p = 0;
  while (p < extra.length) {
    if (p + 4 > extra.length)
      throw new ZipError(
        "ZIP_INVALID",
        `truncated extra field header (${extra.length - p} bytes)`,
        header.name,
      );
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) {
      throw new ZipError(
        "ZIP_INVALID",
        `extra field 0x${id.toString(16).padStart(4, "0")} says ${length} bytes but ${extra.length - p - 4} remain`,
        header.name,
      );
    }
    if (id === 1) {
      if (length < saturated.length * 8) {
        throw new ZipError(
          "ZIP_INVALID",
          `ZIP64 extra field is ${length} bytes, too short for the ${saturated.length} values it must hold`,
          header.name,
        );
      }
      saturated.forEach((field, k) => {
        header[field] = Number(extra.readBigUInt64LE(p + 4 + 8 * k));
      });
      return;
    }
    p += 4 + length;
  }
  if (saturated.length > 0) {
    throw new ZipError(
      "ZIP_INVALID",
      "sizes or offset saturated at 0xFFFFFFFF without a ZIP64 extra field",
      header.name,
    );
  }
}

/** Reads an entry's local header for where its data starts. */
function locate(source: ZipSource, header: Header): ZipEntry {
  const local = source.read(header.localHeaderOffset, LOCAL_HEADER);
  if (local.readUInt32LE(0) !== LOCAL) throw new ZipError("ZIP_INVALID", "bad local header", header.name);
  return {
    ...header,
    dataOffset: header.localHeaderOffset + LOCAL_HEADER + local.readUInt16LE(26) + local.readUInt16LE(28),
  };
}

/**
 * Every entry's bytes (local header to end of data) must lie apart from every other entry's and
 * before the central directory. This refuses the "overlapping" zip bomb (many central entries naming
 * the same or nested local data: a 3.7 MB file inflating to terabytes) when the archive is opened, by
 * sorting the spans (n log n) and comparing neighbours; it also means no entry read can run past the
 * file.
 */
function refuseOverlaps(entries: readonly ZipEntry[], cdStart: number): void {
  const spans = entries.map((entry) => ({
    entry,
    start: entry.localHeaderOffset,
    end: entry.dataOffset + entry.compressedSize,
  }));
  spans.sort((a, b) => a.start - b.start);
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const next = spans[i + 1];
    if (span.end <= (next?.start ?? cdStart)) continue;
    throw next
      ? new ZipError(
          "ZIP_INVALID",
          `entries ${span.entry.name} and ${next.entry.name} overlap (bytes ${next.start}-${span.end}): an archive whose entries share data is refused (overlapping zip bomb)`,
        )
      : new ZipError("ZIP_INVALID", "its data overlaps the central directory", span.entry.name);
  }
}
