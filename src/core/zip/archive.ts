import { inflateBounded } from "../inflate.js";
import { readDirectory, type ZipEntry } from "./directory.js";
import { ZipError } from "./error.js";
import { bytesSource, FileSource, type ZipSource } from "./sources.js";

/**
 * The one ZIP reader (OSV's `all.zip` archives, Java archives and the archives nested in them).
 * Hand-written rather than fflate's unzipSync, which trusts the declared sizes and inflates everything
 * it is given. Here the central directory is read once and checked whole when the archive is opened
 * (ZIP64 understood, truncated fields and overlapping entries refused, `directory.ts`), and then each
 * entry is read only on request:
 *
 * - its declared size must be within the caller's limit for it and within what is left of a
 *   decompressed budget, before a byte is read;
 * - it inflates to at most one byte past that declared size (zlib's bounded output), and must inflate
 *   to exactly that size: a lie is refused, so the budget counts what was really produced.
 *
 * Every failure is a ZipError with a code; nothing else escapes but the file system's own errors.
 */

export interface ZipLimits {
  /** More entries than this and the archive is refused when opened (ZIP_LIMIT). Default 1,000,000. */
  readonly maxEntries?: number;
  /** The largest entry `read` returns, uncompressed, unless a read names its own. Default 64 MiB. */
  readonly maxEntryBytes?: number;
  /**
   * Decompressed bytes left for every read from this archive, spent as entries are read. Pass one
   * object to several archives (a war and the jars nested in it) to bound them together.
   */
  readonly budget?: ZipBudget;
}

export interface ZipBudget {
  remaining: number;
}

export const DEFAULT_MAX_ZIP_ENTRIES = 1_000_000;
export const DEFAULT_MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024;

export class ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** Bytes before the archive proper (an executable jar's launch script); usually 0. */
  readonly prefix: number;
  readonly #source: ZipSource;
  readonly #maxEntryBytes: number;
  readonly #budget: ZipBudget | undefined;

  constructor(source: ZipSource | Uint8Array, limits: ZipLimits = {}) {
    this.#source = source instanceof Uint8Array ? bytesSource(source) : source;
    this.#maxEntryBytes = limits.maxEntryBytes ?? DEFAULT_MAX_ZIP_ENTRY_BYTES;
    this.#budget = limits.budget;
    const directory = readDirectory(this.#source, limits.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES);
    this.entries = directory.entries;
    this.prefix = directory.prefix;
  }

  /** The uncompressed bytes of one entry, of at most `maxBytes` (default: the archive's maxEntryBytes). */
  read(entry: ZipEntry, maxBytes?: number): Buffer {
    return this.inflate(entry, this.readStored(entry, maxBytes), maxBytes);
  }

  /**
   * The bytes of one entry as stored: deflated (method 8) or not (method 0), after the same checks as
   * `read`. OSV imports keep an entry's deflated bytes as they came.
   */
  readStored(entry: ZipEntry, maxBytes?: number): Buffer {
    this.#check(entry, maxBytes);
    return this.#source.read(entry.dataOffset, entry.compressedSize);
  }

  /** Uncompresses what `readStored` returned, to exactly the entry's declared size. */
  inflate(entry: ZipEntry, stored: Uint8Array, maxBytes?: number): Buffer {
    this.#check(entry, maxBytes);
    let out: Buffer;
    if (entry.method === 0) {
      out = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    } else {
      // One byte over the declared size is enough to prove the declaration false.
      const inflated = inflateBounded(stored, "raw", entry.size + 1);
      if (!inflated.ok) {
        if (inflated.tooLarge) throw sizeLie(entry);
        throw new ZipError("ZIP_INVALID", `cannot inflate: ${inflated.reason}`, entry.name);
      }
      out = inflated.bytes;
    }
    if (out.length !== entry.size) throw sizeLie(entry, out.length);
    if (this.#budget) this.#budget.remaining -= out.length;
    return out;
  }

  #check(entry: ZipEntry, maxBytes: number | undefined): void {
    if (entry.encrypted)
      throw new ZipError("ZIP_UNSUPPORTED", "encrypted entries are not supported", entry.name);
    if (entry.method !== 0 && entry.method !== 8)
      throw new ZipError(
        "ZIP_UNSUPPORTED",
        `compression method ${entry.method} is not supported`,
        entry.name,
      );
    const limit = maxBytes ?? this.#maxEntryBytes;
    if (entry.size > limit) {
      throw new ZipError(
        "ZIP_LIMIT",
        `${entry.size} bytes uncompressed, over the limit of ${limit}`,
        entry.name,
      );
    }
    if (this.#budget && entry.size > this.#budget.remaining) {
      throw new ZipError(
        "ZIP_LIMIT",
        `${entry.size} bytes uncompressed, over the ${Math.max(0, this.#budget.remaining)} left of the decompressed budget`,
        entry.name,
      );
    }
  }
}

/** A ZIP archive file, read by position (never whole); `close` releases its descriptor. */
export class ZipFile extends ZipArchive {
  readonly path: string;
  readonly size: number;
  readonly modified: Date;
  readonly #file: FileSource;

  private constructor(file: FileSource, path: string, limits: ZipLimits) {
    super(file, limits);
    this.#file = file;
    this.path = path;
    this.size = file.size;
    this.modified = file.modified;
  }

  /** Opens and checks an archive file; the file system's errors (ENOENT, EACCES) pass through as they are. */
  static open(path: string, limits: ZipLimits = {}): ZipFile {
    const file = new FileSource(path);
    try {
      return new ZipFile(file, path, limits);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  close(): void {
    this.#file.close();
  }
}

function sizeLie(entry: ZipEntry, actual?: number): ZipError {
  return new ZipError(
    "ZIP_INVALID",
    `declares ${entry.size} bytes uncompressed but holds ${actual === undefined ? "more" : `${actual} bytes`}`,
    entry.name,
  );
}
