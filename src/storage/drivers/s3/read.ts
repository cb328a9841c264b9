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

/** Positional reads through a read-ahead window: small reads in a row cost one ranged GET. */
export function openRanged(driver: S3Driver, path: string, head: Head, readAhead: number): RandomAccessFile {
  let window: { start: number; data: Buffer } | undefined;
  let closed = false;
  return {
    size: head.size,
    async read(buffer, length, position) {
      if (closed) throw new StorageError("IO", `read of ${path} after close`);
      const want = Math.min(length, buffer.byteLength, head.size - position);
      if (want <= 0) return 0;
      const cached =
        window && position >= window.start && position + want <= window.start + window.data.length;
      if (!cached) {
        const end = Math.min(head.size, position + Math.max(want, readAhead));
        window = { start: position, data: await fetchRange(driver, path, position, end, head.etag) };
      }
      const from = position - (window?.start ?? 0);
      const data = window?.data.subarray(from, from + want) ?? Buffer.alloc(0);
      buffer.set(data, 0);
      return data.length;
    },
    async close() {
      closed = true;
      window = undefined;
    },
  };
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
