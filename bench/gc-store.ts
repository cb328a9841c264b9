/**
 * A synthetic blob store for the GC benchmark: `total` zero-byte blobs whose digests are generated from
 * their index, walked in sorted order without any file (the driver contract), deletions kept in a
 * bitset (a million blobs: 125 KiB). It stands for an object store holding a million keys; the bench
 * measures GC's own time and memory, not a disk's. Every other operation refuses.
 */
import type { FileInfo, FileWriter, RandomAccessFile, StorageDriver } from "../src/storage/index.js";
import { StorageError } from "../src/storage/index.js";

/** The hex of blob `i`: its two-hex directory (i mod 256) then a counter, so a walk is in index-free sorted order. */
export function syntheticHex(i: number): string {
  return (
    (i % 256).toString(16).padStart(2, "0") +
    Math.floor(i / 256)
      .toString(16)
      .padStart(62, "0")
  );
}

export class SyntheticStore implements StorageDriver {
  readonly name = "synthetic";
  private readonly deleted: Uint8Array;
  deletes = 0;
  bulkCalls = 0;

  /** `onStep` is called every 10,000 walked files and at each bulk delete (the bench samples memory there). */
  constructor(
    private readonly total: number,
    private readonly modifiedAt: Date,
    private readonly onStep: () => void = () => {},
  ) {
    this.deleted = new Uint8Array(Math.ceil(total / 8));
  }

  async *walk(path: string): AsyncIterable<FileInfo> {
    if (path !== "blobs") return;
    let n = 0;
    for (let p = 0; p < 256; p++) {
      const dir = p.toString(16).padStart(2, "0");
      for (let i = p; i < this.total; i += 256) {
        if (this.deleted[i >> 3]! & (1 << (i & 7))) continue;
        if (++n % 10_000 === 0) this.onStep();
        yield {
          path: `blobs/sha256/${dir}/${syntheticHex(i)}`,
          size: 0,
          modifiedAt: this.modifiedAt,
          isDirectory: false,
        };
      }
    }
  }

  async delete(path: string): Promise<void> {
    const m = /^blobs\/sha256\/([0-9a-f]{2})\/[0-9a-f]{2}([0-9a-f]{62})$/.exec(path);
    if (!m) return;
    const i = Number.parseInt(m[2]!, 16) * 256 + Number.parseInt(m[1]!, 16);
    if (i >= this.total) return;
    this.deleted[i >> 3]! |= 1 << (i & 7);
    this.deletes += 1;
  }

  async deleteMany(paths: readonly string[]): Promise<void> {
    this.bulkCalls += 1;
    this.onStep();
    for (const path of paths) await this.delete(path);
  }

  private refuse(): never {
    throw new StorageError("IO", "the synthetic store only walks and deletes");
  }
  get(): Promise<Buffer> {
    this.refuse();
  }
  put(): Promise<void> {
    this.refuse();
  }
  reader(): Promise<never> {
    this.refuse();
  }
  open(): Promise<RandomAccessFile> {
    this.refuse();
  }
  writer(): Promise<FileWriter> {
    this.refuse();
  }
  stat(): Promise<FileInfo> {
    this.refuse();
  }
  list(): Promise<string[]> {
    this.refuse();
  }
  move(): Promise<void> {
    this.refuse();
  }
}
