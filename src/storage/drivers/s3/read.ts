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

/** The read-ahead window grows to this while reads stay sequential (two windows per open file). */
const MAX_WINDOW = 4 * 1024 * 1024;

interface Window {
  readonly start: number;
  readonly data: Buffer;
}

/**
 * Positional reads through a read-ahead window: small reads in a row cost one ranged GET. While the
 * reads run in sequence (a blob download), the window doubles up to MAX_WINDOW and the next one is
 * fetched while the caller still sends the current one, so a download runs at streaming speed
 * instead of paying one round trip per window.
 */
export function openRanged(driver: S3Driver, path: string, head: Head, readAhead: number): RandomAccessFile {
  let window: Window | undefined;
  let next: { start: number; end: number; data: Promise<Buffer | undefined> } | undefined;
  let size = readAhead;
  let lastEnd = -1;
  let closed = false;
  const fetchWindow = (start: number, end: number) => fetchRange(driver, path, start, end, head.etag);
  return {
    size: head.size,
    async read(buffer, length, position) {
      if (closed) throw new StorageError("IO", `read of ${path} after close`);
      const want = Math.min(length, buffer.byteLength, head.size - position);
      if (want <= 0) return 0;
      const sequential = position === lastEnd;
      const covers = (w: { start: number; end: number }) => position >= w.start && position + want <= w.end;
      if (!window || !covers({ start: window.start, end: window.start + window.data.length })) {
        const prefetched = next && covers(next) ? await next.data : undefined;
        if (prefetched && next) {
          window = { start: next.start, data: prefetched };
        } else {
          const end = Math.min(head.size, position + Math.max(want, size));
          window = { start: position, data: await fetchWindow(position, end) };
        }
        next = undefined;
      }
      const from = position - window.start;
      const data = window.data.subarray(from, from + want);
      buffer.set(data, 0);
      lastEnd = position + data.length;
      const windowEnd = window.start + window.data.length;
      if (sequential && !next && windowEnd < head.size) {
        size = Math.min(MAX_WINDOW, size * 2);
        const end = Math.min(head.size, windowEnd + size);
        // A failed prefetch is not an error yet: the read that needs those bytes fetches them again.
        next = { start: windowEnd, end, data: fetchWindow(windowEnd, end).catch(() => undefined) };
      }
      return data.length;
    },
    async close() {
      closed = true;
      window = undefined;
      await next?.data;
      next = undefined;
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
