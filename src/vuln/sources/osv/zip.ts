import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

/**
 * A small random-access ZIP reader (PKWARE APPNOTE.TXT 6.3: end of central directory, ZIP64
 * locator, central directory headers, local headers; stored and deflated entries). OSV's
 * per-ecosystem `all.zip` reaches a gigabyte for Debian and Ubuntu, so the archive is never read
 * whole: the central directory is read once, then each entry's bytes are read where it says and
 * inflated on their own. An entry larger than `maxEntryBytes` uncompressed is refused (an OSV
 * record is kilobytes; this caps a zip bomb), and an entry must inflate to exactly the size the
 * central directory declares, so the declared sizes can be budgeted before anything is read.
 *
 * Every entry's bytes (local header to end of data) must lie apart from every other entry's and
 * before the central directory: the "overlapping" zip bomb (many central entries naming the same or
 * nested local data, a 3.7 MB file inflating to terabytes) is refused when the archive is opened,
 * by sorting the ranges (n log n) and comparing neighbours.
 */

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

export class ZipFormatError extends Error {}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_32 = 0xffffffff;

export class ZipReader {
  private readonly fd: number;
  readonly size: number;
  readonly modified: Date;
  readonly entries: ZipEntry[];

  constructor(
    readonly path: string,
    private readonly maxEntryBytes = 64 * 1024 * 1024,
  ) {
    this.fd = openSync(path, "r");
    try {
      const stat = fstatSync(this.fd);
      this.size = stat.size;
      this.modified = stat.mtime;
      const { entries, cdOffset } = this.readCentralDirectory();
      this.entries = entries;
      this.refuseOverlaps(cdOffset);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** The uncompressed bytes of one entry. */
  read(entry: ZipEntry): Buffer {
    return this.inflate(entry, this.readStored(entry));
  }

  /** The bytes of one entry as stored: deflated (method 8) or not (method 0). */
  readStored(entry: ZipEntry): Buffer {
    if (entry.encrypted) throw new ZipFormatError(`${entry.name}: encrypted entries are not supported`);
    if (entry.size > this.maxEntryBytes) {
      throw new ZipFormatError(
        `${entry.name}: ${entry.size} bytes uncompressed, over the ${this.maxEntryBytes} limit`,
      );
    }
    return this.bytes(this.dataOffset(entry), entry.compressedSize);
  }

  /** Uncompresses bytes `readStored` returned. */
  inflate(entry: ZipEntry, data: Buffer): Buffer {
    let out: Buffer;
    if (entry.method === 0) out = data;
    else if (entry.method === 8) {
      try {
        // One byte over the declared size is enough to prove the declaration false.
        out = inflateRawSync(data, { maxOutputLength: Math.min(entry.size, this.maxEntryBytes) + 1 });
      } catch (err) {
        if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw sizeLie(entry);
        throw new ZipFormatError(`${entry.name}: cannot inflate: ${(err as Error).message}`);
      }
    } else throw new ZipFormatError(`${entry.name}: compression method ${entry.method} is not supported`);
    if (out.length !== entry.size) throw sizeLie(entry, out.length);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  private bytes(offset: number, length: number): Buffer {
    if (offset < 0 || offset + length > this.size) {
      throw new ZipFormatError(
        `truncated archive: ${length} bytes at ${offset} lie past its end (${this.size})`,
      );
    }
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new ZipFormatError("unexpected end of archive");
      done += n;
    }
    return buffer;
  }

  /** Where an entry's data starts: after its local header's name and extra field. */
  private dataOffset(entry: ZipEntry): number {
    const header = this.bytes(entry.localHeaderOffset, 30);
    if (header.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`${entry.name}: bad local header`);
    return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  }

  /**
   * Refuses entries whose bytes overlap another entry's or the central directory. Each entry spans
   * its local header to the end of its data; sorted by start, each must end before the next begins.
   */
  private refuseOverlaps(cdOffset: number): void {
    const spans = this.entries.map((entry) => ({
      entry,
      start: entry.localHeaderOffset,
      end: this.dataOffset(entry) + entry.compressedSize,
    }));
    spans.sort((a, b) => a.start - b.start);
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const next = spans[i + 1];
      const limit = next?.start ?? cdOffset;
      if (span.end > limit) {
        throw new ZipFormatError(
          next
            ? `entries ${span.entry.name} and ${next.entry.name} overlap (bytes ${next.start}-${span.end}): an archive whose entries share data is refused (overlapping zip bomb)`
            : `entry ${span.entry.name} overlaps the central directory`,
        );
      }
    }
  }

  private readCentralDirectory(): { entries: ZipEntry[]; cdOffset: number } {
    // The end record is 22 bytes plus a comment of up to 65535: search backwards for its signature.
    const tailLength = Math.min(this.size, 22 + 65535);
    const tail = this.bytes(this.size - tailLength, tailLength);
    let at = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ZipFormatError("not a zip archive (no end of central directory record)");
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    const locatorAt = this.size - tailLength + at - 20;
    if (locatorAt >= 0 && this.bytes(locatorAt, 4).readUInt32LE(0) === ZIP64_LOCATOR) {
      const zip64At = Number(this.bytes(locatorAt + 8, 8).readBigUInt64LE(0));
      const zip64 = this.bytes(zip64At, 56);
      if (zip64.readUInt32LE(0) !== ZIP64_EOCD)
        throw new ZipFormatError("bad ZIP64 end of central directory");
      count = Number(zip64.readBigUInt64LE(32));
      cdSize = Number(zip64.readBigUInt64LE(40));
      cdOffset = Number(zip64.readBigUInt64LE(48));
    }
    const cd = this.bytes(cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) {
        throw new ZipFormatError(`bad central directory header ${i + 1} of ${count}`);
      }
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const name = cd.toString("utf8", p + 46, Math.min(cd.length, p + 46 + nameLength));
      if (p + 46 + nameLength + extraLength + commentLength > cd.length) {
        throw new ZipFormatError(
          `central directory header ${i + 1} of ${count} (${name}): its name, extra field and comment run past the central directory`,
        );
      }
      const entry: ZipEntry = {
        name,
        method: cd.readUInt16LE(p + 10),
        encrypted: (cd.readUInt16LE(p + 8) & 1) === 1,
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      };
      applyZip64Extra(entry, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return { entries, cdOffset };
  }
}

/**
 * ZIP64 extended information (header id 1, APPNOTE 4.5.3) holds, in order, only the fields
 * saturated at 0xFFFFFFFF. Every length is checked against the bytes actually there: a truncated
 * field is a clear error, never Node's RangeError from a read past a buffer.
 */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  const saturated = (["size", "compressedSize", "localHeaderOffset"] as const).filter(
    (field) => entry[field] === MAX_32,
  );
  let p = 0;
  while (p < extra.length) {
    if (p + 4 > extra.length) {
      throw new ZipFormatError(`${entry.name}: truncated extra field header (${extra.length - p} bytes)`);
    }
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) {
      throw new ZipFormatError(
        `${entry.name}: extra field 0x${id.toString(16).padStart(4, "0")} says ${length} bytes but ${extra.length - p - 4} remain`,
      );
    }
    if (id === 1) {
      if (length < saturated.length * 8) {
        throw new ZipFormatError(
          `${entry.name}: ZIP64 extra field is ${length} bytes, too short for the ${saturated.length} values it must hold`,
        );
      }
      saturated.forEach((field, k) => {
        entry[field] = Number(extra.readBigUInt64LE(p + 4 + 8 * k));
      });
      return;
    }
    p += 4 + length;
  }
  if (saturated.length > 0) {
    throw new ZipFormatError(
      `${entry.name}: sizes or offset saturated at 0xFFFFFFFF without a ZIP64 extra field`,
    );
  }
}

function sizeLie(entry: ZipEntry, actual?: number): ZipFormatError {
  return new ZipFormatError(
    `${entry.name}: declares ${entry.size} bytes uncompressed but holds ${actual ?? "more"}${actual === undefined ? "" : " bytes"}`,
  );
}
