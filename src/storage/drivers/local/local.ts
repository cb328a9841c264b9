import { randomUUID } from "node:crypto";
import { close as closeFd, constants, type Dirent, fsync as fsyncFd, open as openFd } from "node:fs";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import {
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
  StorageError,
} from "../../driver.js";
import {
  checkDriverPath,
  checkRange,
  checkWriterOffset,
  compareNames,
  RESERVED_TOP_LEVEL,
} from "../paths.js";

export interface LocalDriverOptions {
  /** fsync file data (and the parent directory) on `put`, `move` and `commit`. Default true. */
  fsync?: boolean;
}

/** Read streams use large buffers: far fewer syscalls and event-loop turns for big blobs. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

/**
 * A read stream's buffer: 1 MiB, or less when less is to be read. Node allocates a whole buffer
 * for every read (outside the JS heap), so a 4 KiB blob read with 1 MiB buffers cost 1 MiB each, and
 * a thousand small pulls made a gigabyte of external memory that V8 answered with a dozen full GCs
 * (issue 13). The size is the one seen on the open handle; should the file grow, the stream still
 * reads to its end, in more reads.
 */
export function readBufferSize(size: number, offset: number, length: number | undefined): number {
  const wanted = length ?? size - offset;
  return Math.max(1, Math.min(READ_HIGH_WATER_MARK, wanted));
}
/** How often an operation is retried when a concurrent delete pruned the parent directory it made. */
const PARENT_RETRIES = 5;
/** Errors a directory fsync may give where the platform or filesystem does not support it. */
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "EISDIR", "EPERM", "EBADF", "ENOTSUP", "EACCES"]);

/**
 * Stores object `a/b/c` at `<root>/a/b/c`. Whole-object writes go through `<root>/_tmp/` and a rename,
 * so readers (and a process killed mid-write) only ever see complete objects; `cleanTemp` removes the
 * temporary files a killed process leaves behind.
 */
export class LocalDriver implements StorageDriver {
  readonly name = "local";
  readonly root: string;
  readonly fsync: boolean;
  private readonly tmpDir: string;

  constructor(root: string, options: LocalDriverOptions = {}) {
    this.root = resolve(root);
    this.fsync = options.fsync ?? true;
    this.tmpDir = join(this.root, RESERVED_TOP_LEVEL);
  }

  async get(path: string): Promise<Buffer> {
    const full = this.full(path);
    try {
      return await readFile(full);
    } catch (err) {
      throw fsError(err, "read", path, READ_MISSING);
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const full = this.full(path);
    const tmp = await this.writeTemp(path, data);
    try {
      await this.withParent(full, () => rename(tmp, full));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw fsError(err, "write", path);
    }
    if (this.fsync) await syncDir(dirname(full), path);
  }

  async reader(path: string, range?: { offset?: number; length?: number }): Promise<Readable> {
    const full = this.full(path);
    const { offset, length } = checkRange(range);
    let handle: FileHandle;
    try {
      handle = await open(full, "r");
    } catch (err) {
      throw fsError(err, "open", path, READ_MISSING);
    }
    // Checked on the open handle, so the object cannot vanish between the check and the stream.
    let size: number;
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new StorageError("NOT_FOUND", `no object at ${path} (a directory)`);
      size = info.size;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw fsError(err, "stat", path, READ_MISSING);
    }
    if (length === 0) {
      await handle.close().catch(() => undefined);
      return Readable.from([], { objectMode: false });
    }
    return handle.createReadStream({
      start: offset,
      end: length === undefined ? undefined : offset + length - 1,
      highWaterMark: readBufferSize(size, offset, length),
      autoClose: true,
    });
  }

  async open(path: string): Promise<RandomAccessFile> {
    const full = this.full(path);
    let handle: FileHandle;
    try {
      handle = await open(full, "r");
    } catch (err) {
      throw fsError(err, "open", path, READ_MISSING);
    }
    let size: number;
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new StorageError("NOT_FOUND", `no object at ${path} (a directory)`);
      size = info.size;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw fsError(err, "stat", path, READ_MISSING);
    }
    return {
      size,
      read: async (buffer, length, position) => {
        try {
          return (await handle.read(buffer, 0, Math.min(length, buffer.byteLength), position)).bytesRead;
        } catch (err) {
          throw fsError(err, "read", path);
        }
      },
      close: () => handle.close(),
    };
  }

  async writer(path: string, options: { append?: boolean; offset?: number } = {}): Promise<FileWriter> {
    const full = this.full(path);
    checkWriterOffset(options.offset);
    if (!options.append) {
      try {
        const handle = await this.withParent(full, () => open(full, "w"));
        return new LocalWriter(this, path, full, handle, 0);
      } catch (err) {
        throw fsError(err, "open", path);
      }
    }

    let handle: FileHandle;
    try {
      handle = await open(full, constants.O_RDWR);
    } catch (err) {
      const missing = errnoCode(err) === "ENOENT";
      if (!missing) throw fsError(err, "open", path);
      if ((options.offset ?? 0) > 0) {
        throw new StorageError("NOT_FOUND", `cannot append to ${path} at ${options.offset}: no such object`, {
          cause: err,
        });
      }
      try {
        handle = await this.withParent(full, () => open(full, constants.O_RDWR | constants.O_CREAT, 0o666));
      } catch (createErr) {
        throw fsError(createErr, "open", path);
      }
    }
    try {
      const { size } = await handle.stat();
      const offset = options.offset ?? size;
      if (offset > size) {
        throw new StorageError("IO", `cannot append to ${path} at ${offset}: it holds only ${size} bytes`);
      }
      if (offset < size) await handle.truncate(offset);
      return new LocalWriter(this, path, full, handle, offset);
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw fsError(err, "open", path);
    }
  }

  async stat(path: string): Promise<FileInfo> {
    const full = this.full(path);
    try {
      const info = await stat(full);
      const isDirectory = info.isDirectory();
      return { path, size: isDirectory ? 0 : info.size, modifiedAt: info.mtime, isDirectory };
    } catch (err) {
      throw fsError(err, "stat", path, READ_MISSING);
    }
  }

  async list(path: string): Promise<string[]> {
    const full = this.full(path);
    try {
      const names = await readdir(full);
      return names.sort(compareNames).map((name) => `${path}/${name}`);
    } catch (err) {
      throw fsError(err, "list", path, READ_MISSING);
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.full(from);
    const target = this.full(to);
    try {
      const info = await stat(source);
      if (info.isDirectory()) throw new StorageError("NOT_FOUND", `no object at ${from} (a directory)`);
    } catch (err) {
      throw fsError(err, "move", from, READ_MISSING);
    }
    try {
      await this.withParent(target, () => rename(source, target));
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT" && !(await exists(source))) {
        throw new StorageError("NOT_FOUND", `cannot move ${from}: no such object`, { cause: err });
      }
      throw fsError(err, "move", `${from} -> ${to}`);
    }
    if (this.fsync) await syncDir(dirname(target), to);
    if (from !== to) await pruneEmptyParents(this.root, from);
  }

  async delete(path: string): Promise<void> {
    const full = this.full(path);
    try {
      // rm does not report a missing path without force, and force would hide it: check first.
      await stat(full);
      await rm(full, { recursive: true });
    } catch (err) {
      throw fsError(err, "delete", path, READ_MISSING);
    }
    await pruneEmptyParents(this.root, path);
  }

  async *walk(path: string): AsyncGenerator<FileInfo> {
    const full = this.full(path);
    yield* this.walkDir(path, full);
  }

  /**
   * Removes files in `<root>/_tmp` last modified more than `maxAgeMs` ago: the leftovers of `put`s
   * whose process died mid-write. Keep `maxAgeMs` well above the longest `put`. Returns how many were
   * removed.
   */
  async cleanTemp(maxAgeMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return 0;
      throw fsError(err, "list", RESERVED_TOP_LEVEL);
    }
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const name of names) {
      const file = join(this.tmpDir, name);
      try {
        const info = await stat(file);
        if (!info.isFile() || info.mtimeMs > cutoff) continue;
        await unlink(file);
        removed++;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw fsError(err, "delete", `${RESERVED_TOP_LEVEL}/${name}`);
      }
    }
    return removed;
  }

  private full(path: string): string {
    checkDriverPath(path);
    return join(this.root, path);
  }

  /** Writes `data` to a new, uniquely named file in `_tmp`, synced when enabled; returns its path. */
  private async writeTemp(path: string, data: Uint8Array): Promise<string> {
    const tmp = join(this.tmpDir, `${process.pid}-${randomUUID()}`);
    let handle: FileHandle;
    try {
      handle = await open(tmp, "wx");
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw fsError(err, "write", path);
      try {
        await mkdir(this.tmpDir, { recursive: true });
        handle = await open(tmp, "wx");
      } catch (retryErr) {
        throw fsError(retryErr, "write", path);
      }
    }
    try {
      await writeFully(handle, data, 0);
      if (this.fsync) await handle.sync();
      await handle.close();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw fsError(err, "write", path);
    }
    return tmp;
  }

  /**
   * Runs `op`, which creates an entry at `target`; when it fails because the parent directory is
   * missing (never made, or pruned by a concurrent delete) creates the parent and retries.
   */
  private async withParent<T>(target: string, op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (errnoCode(err) !== "ENOENT" || attempt >= PARENT_RETRIES) throw err;
      }
      await mkdir(dirname(target), { recursive: true });
    }
  }

  private async *walkDir(path: string, full: string): AsyncGenerator<FileInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (err) {
      if (READ_MISSING.has(errnoCode(err) ?? "")) return;
      throw fsError(err, "list", path);
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const entry of entries) {
      const childPath = `${path}/${entry.name}`;
      const childFull = join(full, entry.name);
      if (entry.isDirectory()) {
        yield* this.walkDir(childPath, childFull);
        continue;
      }
      try {
        const info = await stat(childFull);
        if (!info.isFile()) continue;
        yield { path: childPath, size: info.size, modifiedAt: info.mtime, isDirectory: false };
      } catch (err) {
        if (!READ_MISSING.has(errnoCode(err) ?? "")) throw fsError(err, "stat", childPath);
        // removed while walking: skip
      }
    }
  }
}

/**
 * With fsync on, a long write flushes what it has written every this many bytes, in the background:
 * the disk then works while the bytes still arrive, and the fsync of `commit` finds little left to
 * do (one final fsync of a 1 GiB blob would otherwise stall the upload's last request).
 */
const BACKGROUND_SYNC_BYTES = 64 * 1024 * 1024;

class LocalWriter implements FileWriter {
  private written: number;
  private closed = false;
  private failure: StorageError | undefined;
  private queue: Promise<void> = Promise.resolve();
  private unsynced = 0;
  private backgroundSync: Promise<void> | undefined;

  constructor(
    private readonly driver: LocalDriver,
    private readonly path: string,
    private readonly full: string,
    private readonly handle: FileHandle,
    start: number,
  ) {
    this.written = start;
  }

  get size(): number {
    return this.written;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.path));
    // Chained, so writes issued without awaiting the previous one still land in order.
    const result = this.queue.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await writeFully(this.handle, chunk, this.written);
        this.written += chunk.byteLength;
        this.unsynced += chunk.byteLength;
        if (this.driver.fsync && this.unsynced >= BACKGROUND_SYNC_BYTES && !this.backgroundSync) {
          this.unsynced = 0;
          // Failures surface in commit's own fsync; this one only starts the disk early.
          this.backgroundSync = this.handle
            .datasync()
            .catch(() => undefined)
            .finally(() => {
              this.backgroundSync = undefined;
            });
        }
      } catch (err) {
        this.failure = fsError(err, "write", this.path);
        throw this.failure;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  async commit(): Promise<void> {
    this.markClosed();
    await this.queue;
    await this.backgroundSync;
    try {
      if (this.failure) throw this.failure;
      if (this.driver.fsync) await this.handle.sync();
    } catch (err) {
      await this.handle.close().catch(() => undefined);
      throw fsError(err, "commit", this.path);
    }
    try {
      await this.handle.close();
    } catch (err) {
      throw fsError(err, "commit", this.path);
    }
  }

  async close(): Promise<void> {
    this.markClosed();
    await this.queue;
    await this.backgroundSync;
    try {
      await this.handle.close();
    } catch (err) {
      throw fsError(err, "close", this.path);
    }
  }

  async cancel(): Promise<void> {
    this.markClosed();
    await this.queue;
    await this.backgroundSync;
    await this.handle.close().catch(() => undefined);
    try {
      await unlink(this.full);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return;
      throw fsError(err, "cancel", this.path);
    }
    await pruneEmptyParents(this.driver.root, this.path);
  }

  private markClosed(): void {
    if (this.closed) throw closedError(this.path);
    this.closed = true;
  }
}

/** Error codes meaning "there is no object there" when reading. */
const READ_MISSING: ReadonlySet<string> = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
const WRITE_MISSING: ReadonlySet<string> = new Set(["ENOENT"]);

function fsError(
  err: unknown,
  op: string,
  path: string,
  missing: ReadonlySet<string> = WRITE_MISSING,
): StorageError {
  if (err instanceof StorageError) return err;
  const code = errnoCode(err);
  if (code !== undefined && missing.has(code)) {
    return new StorageError("NOT_FOUND", `${op} ${path}: no such object`, { cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new StorageError("IO", `${op} ${path} failed: ${reason}`, { cause: err });
}

function closedError(path: string): StorageError {
  return new StorageError("IO", `writer for ${path} is already closed`);
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") {
    return err.code;
  }
  return undefined;
}

async function exists(full: string): Promise<boolean> {
  try {
    await stat(full);
    return true;
  } catch {
    return false;
  }
}

/** Writes all of `data` at `position`, looping over short writes; no copy of `data` is made. */
async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await handle.write(data, done, data.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error("short write: no progress");
    done += bytesWritten;
  }
}

/** Makes a rename or create in `dir` durable. */
async function syncDir(dir: string, path: string): Promise<void> {
  // Plain descriptors rather than a FileHandle: this runs for every committed blob, and the
  // callback API costs noticeably less CPU per call than the promise API's handle objects.
  let fd: number | undefined;
  try {
    fd = await new Promise<number>((done, fail) =>
      openFd(dir, "r", (err, opened) => (err ? fail(err) : done(opened))),
    );
    const opened = fd;
    await new Promise<void>((done, fail) => fsyncFd(opened, (err) => (err ? fail(err) : done())));
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has(errnoCode(err) ?? "")) throw fsError(err, "sync directory of", path);
  } finally {
    if (fd !== undefined) closeFd(fd, () => undefined);
  }
}

/** Removes directories left empty by a delete, move or cancel, up to (not including) the top-level folder. */
async function pruneEmptyParents(root: string, path: string): Promise<void> {
  const segments = path.split("/");
  // Top-level folders stay: the layer above keeps using them (`uploads/`, `blobs/`), and removing
  // one only to recreate it for the next object costs two syscalls and a failed open each time.
  for (let depth = segments.length - 1; depth > 1; depth--) {
    try {
      await rmdir(join(root, ...segments.slice(0, depth)));
    } catch {
      return; // not empty, already gone, or not ours to remove: stop climbing
    }
  }
}
