import { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { type RandomAccessFile, StorageError } from "../../driver.js";
import { backoff, isTransient } from "./client.js";
import type { Head, S3Driver } from "./s3.js";

/** Attempts to carry a stream on from where it broke before giving up. */
const STREAM_ATTEMPTS = 5;

export function emptyStream(): Readable {
  return Readable.from([], { objectMode: false });
}

/**
 * Streams bytes [start, end) of an object (end undefined: to its end). The first GET is made before
 * returning, so a missing object is NOT_FOUND from `reader()` itself. A body cut off midway (a reset
 * connection, a restarted gateway) is carried on with a new ranged GET from the last byte delivered,
 * pinned to the same version with If-Match so the result never splices two versions of the object.
 */
export async function rangedReader(
  driver: S3Driver,
  path: string,
  start: number,
  end: number | undefined,
): Promise<Readable> {
  const first = await get(driver, path, start, end, undefined);
  if (!first) {
    await driver.head(path); // NOT_FOUND, or the range starts at or past the end: nothing to read
    return emptyStream();
  }
  const opened = first;
  async function* bytes(): AsyncGenerator<Buffer> {
    let position = start;
    let body = opened;
    for (let attempt = 0; ; ) {
      try {
        for await (const chunk of body.stream) {
          const buffer = chunk as Buffer;
          position += buffer.length;
          yield buffer;
        }
        return;
      } catch (err) {
        attempt++;
        if (attempt >= STREAM_ATTEMPTS || !isTransient(err)) {
          throw new StorageError("IO", `S3 read ${path} failed at byte ${position}`, { cause: err });
        }
        await backoff(attempt);
        if (end !== undefined && position >= end) return;
        const next = await get(driver, path, position, end, body.etag);
        if (!next) return;
        body = next;
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/**
 * Positional reads. A read out of sequence fetches a read-ahead window (small reads nearby then cost
 * no request); reads in sequence (a blob download) are served from one streaming GET to the end of
 * the object, opened at the first sequential read and carried on from the last byte served if it
 * breaks, so a download runs at streaming speed instead of paying a round trip per window.
 */
export function openRanged(driver: S3Driver, path: string, head: Head, readAhead: number): RandomAccessFile {
  let window: { start: number; data: Buffer } | undefined;
  let stream: Sequential | undefined;
  let lastEnd = -1;
  let closed = false;
  return {
    size: head.size,
    async read(buffer, length, position) {
      if (closed) throw new StorageError("IO", `read of ${path} after close`);
      const want = Math.min(length, buffer.byteLength, head.size - position);
      if (want <= 0) return 0;
      let n: number;
      if (window && position >= window.start && position + want <= window.start + window.data.length) {
        const from = position - window.start;
        buffer.set(window.data.subarray(from, from + want), 0);
        n = want;
      } else if (position === lastEnd || stream?.at === position) {
        if (stream?.at !== position) {
          stream?.destroy();
          stream = new Sequential(driver, path, position, head.etag);
        }
        n = await stream.read(buffer, want);
      } else {
        const end = Math.min(head.size, position + Math.max(want, readAhead));
        window = { start: position, data: await fetchRange(driver, path, position, end, head.etag) };
        buffer.set(window.data.subarray(0, want), 0);
        n = Math.min(want, window.data.length);
      }
      lastEnd = position + n;
      return n;
    },
    async close() {
      closed = true;
      window = undefined;
      stream?.destroy();
      stream = undefined;
    },
  };
}

/** One streaming GET from `at` to the end, read into callers' buffers; reopened where it broke. */
class Sequential {
  private body: Readable | undefined;
  private chunks: AsyncIterator<Buffer> | undefined;
  private leftover: Buffer = Buffer.alloc(0);

  constructor(
    private readonly driver: S3Driver,
    private readonly path: string,
    public at: number,
    private readonly etag: string | undefined,
  ) {}

  async read(buffer: Uint8Array, want: number): Promise<number> {
    let filled = 0;
    for (let attempt = 0; filled < want; ) {
      if (this.leftover.length > 0) {
        const take = Math.min(want - filled, this.leftover.length);
        buffer.set(this.leftover.subarray(0, take), filled);
        this.leftover = this.leftover.subarray(take);
        filled += take;
        this.at += take;
        continue;
      }
      try {
        if (!this.chunks) {
          const opened = await get(this.driver, this.path, this.at, undefined, this.etag);
          if (!opened) break; // at or past the end
          this.body = opened.stream;
          this.chunks = (opened.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
        }
        const next = await this.chunks.next();
        if (next.done) break;
        this.leftover = next.value;
      } catch (err) {
        this.destroy();
        attempt++;
        if (err instanceof StorageError || attempt >= STREAM_ATTEMPTS || !isTransient(err)) {
          throw this.driver.failure(`read ${this.path}`, err);
        }
        await backoff(attempt);
      }
    }
    return filled;
  }

  destroy(): void {
    this.body?.destroy();
    this.body = undefined;
    this.chunks = undefined;
    this.leftover = Buffer.alloc(0);
  }
}

async function fetchRange(
  driver: S3Driver,
  path: string,
  start: number,
  end: number,
  etag: string | undefined,
): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const body = await get(driver, path, start, end, etag);
      if (!body) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of body.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      if (err instanceof StorageError || attempt >= STREAM_ATTEMPTS || !isTransient(err)) {
        throw driver.failure(`read ${path}`, err);
      }
      await backoff(attempt);
    }
  }
}

/** One ranged GET; undefined when the range is unsatisfiable (it starts at or past the end). */
async function get(
  driver: S3Driver,
  path: string,
  start: number,
  end: number | undefined,
  etag: string | undefined,
): Promise<{ stream: Readable; etag: string | undefined } | undefined> {
  const range =
    start === 0 && end === undefined ? undefined : `bytes=${start}-${end === undefined ? "" : end - 1}`;
  try {
    const out = await driver.client.send(
      new GetObjectCommand({
        Bucket: driver.bucket,
        Key: driver.keys.key(path),
        ...(range ? { Range: range } : {}),
        ...(etag ? { IfMatch: etag } : {}),
      }),
    );
    return { stream: out.Body as Readable, etag: out.ETag };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 416) return undefined;
    if (status === 412) throw new StorageError("IO", `S3 read ${path}: the object changed while it was read`);
    throw driver.failure(`read ${path}`, err);
  }
}
