import { Readable } from "node:stream";
import {
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
  StorageError,
} from "../../driver.js";
import { checkDriverPath, checkRange, checkWriterOffset, compareNames, compareWalkOrder } from "../paths.js";

interface Entry {
  /** The object's bytes. Never handed out: callers always get copies. */
  data: Buffer;
  mtime: Date;
}

/**
 * Keeps objects in a Map of path → bytes, for tests. Directories are implied by path prefixes (so a
 * directory disappears with its last object). Same semantics and errors as the local driver.
 */
export class MemoryDriver implements StorageDriver {
  readonly name = "memory";
  private readonly objects = new Map<string, Entry>();

  async get(path: string): Promise<Buffer> {
    return Buffer.from(this.entry(path).data);
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    checkDriverPath(path);
    this.assertWritable(path);
    this.objects.set(path, { data: Buffer.from(data), mtime: new Date() });
  }

  async reader(path: string, range?: { offset?: number; length?: number }): Promise<Readable> {
    const entry = this.entry(path);
    const { offset, length } = checkRange(range);
    const end = length === undefined ? entry.data.length : Math.min(entry.data.length, offset + length);
    const slice = offset < end ? Buffer.from(entry.data.subarray(offset, end)) : undefined;
    return Readable.from(slice ? [slice] : [], { objectMode: false });
  }

  async open(path: string): Promise<RandomAccessFile> {
    // A snapshot, as a file handle keeps the inode it opened even if the object is replaced.
    const data = this.entry(path).data;
    return {
      size: data.length,
      read: async (buffer, length, position) => {
        const end = Math.min(data.length, position + Math.min(length, buffer.byteLength));
        if (position >= end) return 0;
        buffer.set(data.subarray(position, end), 0);
        return end - position;
      },
      close: async () => {},
    };
  }

  async writer(path: string, options: { append?: boolean; offset?: number } = {}): Promise<FileWriter> {
    checkDriverPath(path);
    checkWriterOffset(options.offset);
    const existing = options.append ? this.objects.get(path) : undefined;
    if (existing) {
      const size = existing.data.length;
      const offset = options.offset ?? size;
      if (offset > size) {
        throw new StorageError("IO", `cannot append to ${path} at ${offset}: it holds only ${size} bytes`);
      }
      const writer = new MemoryWriter(this.objects, path, existing, existing.data.subarray(0, offset));
      if (offset < size) existing.mtime = new Date();
      return writer;
    }
    if (options.append && (options.offset ?? 0) > 0) {
      throw new StorageError("NOT_FOUND", `cannot append to ${path} at ${options.offset}: no such object`);
    }
    this.assertWritable(path);
    const entry: Entry = { data: Buffer.alloc(0), mtime: new Date() };
    this.objects.set(path, entry);
    return new MemoryWriter(this.objects, path, entry, entry.data);
  }

  async stat(path: string): Promise<FileInfo> {
    checkDriverPath(path);
    const entry = this.objects.get(path);
    if (entry)
      return { path, size: entry.data.length, modifiedAt: new Date(entry.mtime), isDirectory: false };
    let latest: number | undefined;
    for (const [key, child] of this.objects) {
      if (isUnder(key, path)) latest = Math.max(latest ?? 0, child.mtime.getTime());
    }
    if (latest === undefined) throw notFound(path);
    return { path, size: 0, modifiedAt: new Date(latest), isDirectory: true };
  }

  async list(path: string): Promise<string[]> {
    checkDriverPath(path);
    const names = new Set<string>();
    for (const key of this.objects.keys()) {
      if (!isUnder(key, path)) continue;
      const rest = key.slice(path.length + 1);
      const slash = rest.indexOf("/");
      names.add(slash === -1 ? rest : rest.slice(0, slash));
    }
    if (names.size === 0) throw notFound(path);
    return [...names].sort(compareNames).map((name) => `${path}/${name}`);
  }

  async move(from: string, to: string): Promise<void> {
    const entry = this.entry(from);
    checkDriverPath(to);
    if (from === to) return;
    this.assertWritable(to);
    this.objects.delete(from);
    this.objects.set(to, entry);
  }

  async delete(path: string): Promise<void> {
    checkDriverPath(path);
    let found = this.objects.delete(path);
    for (const key of [...this.objects.keys()]) {
      if (isUnder(key, path)) {
        this.objects.delete(key);
        found = true;
      }
    }
    if (!found) throw notFound(path);
  }

  async *walk(path: string): AsyncGenerator<FileInfo> {
    checkDriverPath(path);
    const found: FileInfo[] = [];
    for (const [key, entry] of this.objects) {
      if (isUnder(key, path)) {
        found.push({
          path: key,
          size: entry.data.length,
          modifiedAt: new Date(entry.mtime),
          isDirectory: false,
        });
      }
    }
    found.sort((a, b) => compareWalkOrder(a.path, b.path));
    yield* found;
  }

  private entry(path: string): Entry {
    checkDriverPath(path);
    const entry = this.objects.get(path);
    if (!entry) throw notFound(path);
    return entry;
  }

  /** Refuses to create `path` under an object or over a directory, as a filesystem would. */
  private assertWritable(path: string): void {
    for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1)) {
      const parent = path.slice(0, slash);
      if (this.objects.has(parent)) {
        throw new StorageError("IO", `cannot write ${path}: ${parent} is an object, not a directory`);
      }
    }
    for (const key of this.objects.keys()) {
      if (isUnder(key, path)) throw new StorageError("IO", `cannot write ${path}: it is a directory`);
    }
  }
}

/**
 * Writes into its own growable buffer and publishes a view of it as the entry's data. Like an open
 * file, it keeps writing to its entry even if the path is later overwritten, moved or deleted.
 */
class MemoryWriter implements FileWriter {
  private buffer: Buffer;
  private length: number;
  private closed = false;

  constructor(
    private readonly objects: Map<string, Entry>,
    private readonly path: string,
    private readonly entry: Entry,
    initial: Buffer,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(initial.length, 64 * 1024));
    initial.copy(this.buffer);
    this.length = initial.length;
    entry.data = this.buffer.subarray(0, this.length);
  }

  get size(): number {
    return this.length;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.assertOpen();
    const needed = this.length + chunk.byteLength;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
    this.entry.data = this.buffer.subarray(0, this.length);
    this.entry.mtime = new Date();
  }

  async commit(): Promise<void> {
    this.assertOpen();
    this.closed = true;
  }

  async close(): Promise<void> {
    this.assertOpen();
    this.closed = true;
  }

  async cancel(): Promise<void> {
    this.assertOpen();
    this.closed = true;
    this.objects.delete(this.path);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError("IO", `writer for ${this.path} is already closed`);
  }
}

function isUnder(key: string, dir: string): boolean {
  return key.length > dir.length + 1 && key.startsWith(dir) && key.charCodeAt(dir.length) === 0x2f;
}

function notFound(path: string): StorageError {
  return new StorageError("NOT_FOUND", `no object at ${path}`);
}
