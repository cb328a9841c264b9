import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { ImageError } from "../errors.js";

/**
 * Layer compression is detected from the first bytes, not trusted from the media type: Docker
 * manifests call uncompressed layers "tar.gzip" often enough (image-layer.md lets a consumer sniff).
 * gzip: RFC 1952 magic 1f 8b; zstd: RFC 8878 frame magic 28 b5 2f fd; anything else is read as tar,
 * except bzip2 and xz, which no OCI media type allows.
 */
export type Compression = "gzip" | "zstd" | "none";

export function detectCompression(head: Uint8Array): Compression | "bzip2" | "xz" {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return "bzip2";
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58) return "xz";
  return "none";
}

/** Async-iterable chunks, the head already read put back in front. */
async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // 256 KiB output chunks: tar-stream is several times slower fed zlib's default 16 KiB.
  const inflater = createGunzip({ chunkSize: 256 * 1024 });
  const feeding = pipeline(Readable.from(source, { objectMode: false }), inflater);
  feeding.catch(() => {}); // the same error surfaces through the iteration below
  for await (const chunk of inflater) yield chunk as Buffer;
  await feeding;
}

async function* unzstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  // fzstd may reuse its window buffer between calls: copy what it hands over.
  const decompressor = new Decompress((data) => out.push(Buffer.from(data)));
  for await (const chunk of source) {
    decompressor.push(chunk);
    while (out.length > 0) yield out.shift()!;
  }
  try {
    decompressor.push(new Uint8Array(0), true);
  } catch (err) {
    throw new ImageError("LAYER_TRUNCATED", `zstd stream ended early: ${(err as Error).message}`, {
      cause: err,
    });
  }
  while (out.length > 0) yield out.shift()!;
}

/** Turns a layer's compressed chunks into tar bytes; `onDetected` learns the compression used. */
export function decompressor(
  onDetected: (compression: Compression) => void,
): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* decompress(source) {
    const iterator = source[Symbol.asyncIterator]();
    let head: Buffer = Buffer.alloc(0);
    while (head.length < 4) {
      const next = await iterator.next();
      if (next.done) break;
      head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
    }
    const kind = detectCompression(head);
    if (kind === "bzip2" || kind === "xz") {
      throw new ImageError("LAYER_REFUSED", `${kind} compression is not an OCI layer format`);
    }
    onDetected(kind);
    const rest = prepend(head, iterator);
    if (kind === "gzip") yield* gunzip(rest);
    else if (kind === "zstd") yield* unzstd(rest);
    else yield* rest;
  };
}
