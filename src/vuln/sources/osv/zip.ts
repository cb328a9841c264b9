import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { inflateRawSync } from "node:zlib";

/**
 * A small random-access ZIP reader (PKWARE APPNOTE.TXT 6.3: end of central directory, ZIP64
 * locator, central directory headers, local headers; stored and deflated entries). OSV's
 * per-ecosystem `all.zip` reaches a gigabyte for Debian and Ubuntu, so the archive is never read
 * whole: the central directory is read once, then each entry's bytes are read where it says and
 * inflated on their own. An entry larger than `maxEntryBytes` uncompressed is refused (an OSV
 * record is kilobytes; this caps a zip bomb).
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
      this.entries = this.readCentralDirectory();
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
    const header = this.bytes(entry.localHeaderOffset, 30);
    if (header.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`${entry.name}: bad local header`);
    const dataOffset = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    return this.bytes(dataOffset, entry.compressedSize);
  }

  /** Uncompresses bytes `readStored` returned. */
  inflate(entry: ZipEntry, data: Buffer): Buffer {
    if (entry.method === 0) return data;
    if (entry.method === 8) {
      try {
        return inflateRawSync(data, { maxOutputLength: this.maxEntryBytes });
      } catch (err) {
        throw new ZipFormatError(`${entry.name}: cannot inflate: ${(err as Error).message}`);
      }
    }
    throw new ZipFormatError(`${entry.name}: compression method ${entry.method} is not supported`);
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

  private readCentralDirectory(): ZipEntry[] {
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
      const entry: ZipEntry = {
        name: cd.toString("utf8", p + 46, p + 46 + nameLength),
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
    return entries;
  }
}

/** ZIP64 extended information (header id 1) holds, in order, only the fields saturated at 0xFFFFFFFF. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 1) {
      let q = p + 4;
      const next = (): number => {
        const value = Number(extra.readBigUInt64LE(q));
        q += 8;
        return value;
      };
      if (entry.size === MAX_32) entry.size = next();
      if (entry.compressedSize === MAX_32) entry.compressedSize = next();
      if (entry.localHeaderOffset === MAX_32) entry.localHeaderOffset = next();
      return;
    }
    p += 4 + length;
  }
}
