import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ZipError } from "./error.js";

/**
 * Where an archive's bytes come from: random access, so only the central directory and the entries
 * asked for are ever read. A jar nested in a war is already in memory; OSV's `all.zip` reaches a
 * gigabyte and is read from its file, a few bytes at a time.
 */
export interface ZipSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; a range past the end is a ZipError, never a short read. */
  read(offset: number, length: number): Buffer;
}

function outOfRange(offset: number, length: number, size: number): ZipError {
  return new ZipError(
    "ZIP_INVALID",
    `truncated archive: ${length} bytes at ${offset} lie past its end (${size})`,
  );
}

/** An archive in memory; reads are views, never copies. */
export function bytesSource(bytes: Uint8Array): ZipSource {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: buffer.length,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > buffer.length)
        throw outOfRange(offset, length, buffer.length);
      return buffer.subarray(offset, offset + length);
    },
  };
}

/** An archive file, read by position through one descriptor; `close` releases it. */
export class FileSource implements ZipSource {
  readonly size: number;
  readonly modified: Date;
  readonly #fd: number;

  constructor(path: string) {
    this.#fd = openSync(path, "r");
    try {
      const stat = fstatSync(this.#fd);
      this.size = stat.size;
      this.modified = stat.mtime;
    } catch (err) {
      closeSync(this.#fd);
      throw err;
    }
  }

  read(offset: number, length: number): Buffer {
    if (offset < 0 || length < 0 || offset + length > this.size) throw outOfRange(offset, length, this.size);
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.#fd, buffer, done, length - done, offset + done);
      if (n === 0) throw new ZipError("ZIP_INVALID", "unexpected end of archive (did the file shrink?)");
      done += n;
    }
    return buffer;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
