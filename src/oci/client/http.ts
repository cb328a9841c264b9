import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ImageError } from "../errors.js";

/** The first OCI error of a distribution-spec error body (`{"errors":[{"code","message"}]}`), for messages. */
export async function errorSummary(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 4096);
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const first = body.errors?.[0];
    if (first?.code) return `${first.code}${first.message ? `: ${first.message}` : ""}`;
  } catch {
    // not an OCI error body
  }
  return `HTTP ${res.status}`;
}

/** Reads a response body whole, refusing more than `max` bytes. */
export async function readLimited(res: Response, max: number, what: string): Promise<Buffer> {
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > max) {
    await res.body?.cancel();
    throw new ImageError("IMAGE_UNREADABLE", `${what} is ${length} bytes, over the ${max}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body === null) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      await res.body.cancel().catch(() => {});
      throw new ImageError("IMAGE_UNREADABLE", `${what} is over the ${max}-byte limit`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * A response body as a Node Readable that fails when no byte arrives for `idleMs` (the header
 * timeout does not cover a body that stalls halfway).
 */
export function bodyStream(res: Response, idleMs: number, what: string): Readable {
  if (res.body === null) return Readable.from([]);
  const source = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>, {
    highWaterMark: 1024 * 1024,
  });
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      arm();
      callback(null, chunk);
    },
    flush(callback) {
      clearTimeout(timer);
      callback();
    },
    destroy(err, callback) {
      clearTimeout(timer);
      source.destroy();
      callback(err);
    },
  });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      watchdog.destroy(new ImageError("REGISTRY_UNREACHABLE", `${what} stalled: no data for ${idleMs} ms`));
    }, idleMs);
    timer.unref();
  };
  arm();
  source.on("error", (err) => watchdog.destroy(err));
  return source.pipe(watchdog);
}
