import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Header } from "tar-stream";
import { ImageError } from "../errors.js";
import { decompressor } from "./decompress.js";
import type { FileInfo, FileKind } from "./files.js";
import type { FileConsumer, WalkLimits, WalkProgress } from "./options.js";
import { normalisePath, parentOf } from "./paths.js";
import type { TreeBuilder } from "./tree-builder.js";
import type { WarnFn } from "./warnings.js";

export interface LayerContext {
  readonly index: number;
  readonly layers: number;
  readonly digest: string;
  readonly size: number;
  readonly tree: TreeBuilder;
  readonly consumers: readonly FileConsumer[];
  readonly limits: WalkLimits;
  /** Entries seen in earlier layers (for maxEntries); updated by walkLayer. */
  entries: number;
  readonly warn: WarnFn;
  readonly onProgress?: (progress: WalkProgress) => void;
}

/** A tar entry's content stream (a streamx Readable). */
interface EntryStream extends AsyncIterable<unknown> {
  resume(): unknown;
  once(event: "end" | "close", listener: () => void): unknown;
}

function drain(entry: EntryStream): Promise<void> {
  return new Promise((resolve) => {
    entry.once("end", resolve);
    entry.once("close", resolve);
    entry.resume();
  });
}

const PROGRESS_STEP = 1024 * 1024;

const KINDS: Partial<Record<Header["type"], FileKind>> = {
  file: "file",
  "contiguous-file": "file",
  directory: "directory",
  symlink: "symlink",
  link: "hardlink",
  "character-device": "device",
  "block-device": "device",
  fifo: "fifo",
};

/**
 * Streams one layer once: raw bytes (already digest-verified by the source) → decompression →
 * tar entries → the tree. Bytes are kept only for files a consumer selected. Throws ImageError
 * naming the layer when the layer is truncated, corrupt, refused or over a limit.
 */
export async function walkLayer(stream: Readable, ctx: LayerContext): Promise<void> {
  const name = `layer ${ctx.index} (${ctx.digest})`;
  let compressed = 0;
  let uncompressed = 0;
  let reported = 0;
  const report = () =>
    ctx.onProgress?.({ layer: ctx.index, layers: ctx.layers, bytesRead: compressed, bytesTotal: ctx.size });
  async function* countCompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      compressed += chunk.length;
      if (compressed - reported >= PROGRESS_STEP) {
        reported = compressed;
        report();
      }
      yield chunk;
    }
  }
  async function* limitUncompressed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const { maxLayerBytes, maxCompressionRatio, ratioFloorBytes } = ctx.limits;
    for await (const chunk of source) {
      uncompressed += chunk.length;
      if (uncompressed > maxLayerBytes) {
        throw new ImageError(
          "LAYER_LIMIT_EXCEEDED",
          `${name} expands past the limit of ${maxLayerBytes} bytes`,
        );
      }
      if (uncompressed >= ratioFloorBytes && uncompressed > compressed * maxCompressionRatio) {
        throw new ImageError(
          "LAYER_LIMIT_EXCEEDED",
          `${name} looks like a decompression bomb: ${compressed} bytes expanded to ${uncompressed} (ratio limit ${maxCompressionRatio})`,
        );
      }
      yield chunk;
    }
  }

  const tar = extract();
  // pipeline() rejects with the error; streamx also emits it, and an unheard "error" would crash.
  tar.on("error", () => {});
  tar.on("entry", (header, entry, next) => {
    // A layer that ends mid-entry destroys the entry's stream too; the walk reports it once.
    entry.on("error", () => {});
    // Asking for the next header before this entry drained makes tar-stream several times slower.
    onEntry(header, entry, ctx, name)
      .then((consumed) => (consumed ? undefined : drain(entry)))
      .then(
        () => next(),
        (err: unknown) => {
          entry.resume();
          next(err instanceof Error ? err : new Error(String(err)));
        },
      );
  });
  try {
    await pipeline(
      stream,
      countCompressed,
      decompressor(() => {}),
      limitUncompressed,
      tar,
    );
  } catch (err) {
    throw layerError(err, name);
  }
  report();
}

function layerError(err: unknown, name: string): ImageError {
  if (err instanceof ImageError) {
    const code = err.code === "BLOB_DIGEST_MISMATCH" ? "LAYER_REFUSED" : err.code;
    if (err.message.includes(name) && code === err.code) return err;
    const message = err.message.includes(name) ? err.message : `${name}: ${err.message}`;
    return new ImageError(code, message, { cause: err, detail: err.detail });
  }
  const e = err as NodeJS.ErrnoException;
  const message = e?.message ?? String(err);
  if (e?.code === "Z_BUF_ERROR" || /unexpected end/i.test(message)) {
    return new ImageError("LAYER_TRUNCATED", `${name} is truncated: ${message}`, { cause: err });
  }
  return new ImageError("IMAGE_UNREADABLE", `${name} is not a readable tar layer: ${message}`, {
    cause: err,
  });
}

/** Records one tar entry; true when it read the entry's bytes to the end. */
async function onEntry(
  header: Header,
  entry: EntryStream,
  ctx: LayerContext,
  name: string,
): Promise<boolean> {
  if (++ctx.entries > ctx.limits.maxEntries) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `${name}: the image has more than ${ctx.limits.maxEntries} entries`,
    );
  }
  const { path, escaped } = normalisePath(header.name);
  if (escaped)
    ctx.warn(
      `${name}: entry ${JSON.stringify(header.name)} climbs out of the root; read as ${path}`,
      "PATH_ESCAPES",
    );
  const kind = header.type ? KINDS[header.type] : "file";
  if (path === "/" || kind === undefined) {
    if (kind === undefined)
      ctx.warn(
        `${name}: skipped entry ${JSON.stringify(header.name)} of type ${header.type}`,
        "ENTRY_SKIPPED",
      );
    return false;
  }
  if (ctx.tree.whiteout(path)) {
    return false;
  }
  const info: FileInfo = {
    path,
    kind,
    size: kind === "file" ? (header.size ?? 0) : 0,
    mode: (header.mode ?? 0) & 0o7777,
    layerIndex: ctx.index,
    layerDigest: ctx.digest,
  };
  if (kind === "symlink" && header.linkname) {
    info.linkTarget = header.linkname;
    if (!header.linkname.startsWith("/") && normalisePath(header.linkname, parentOf(path)).escaped) {
      ctx.warn(
        `${name}: symlink ${path} -> ${header.linkname} points outside the image root`,
        "PATH_ESCAPES",
      );
    }
  }
  if (kind === "hardlink" && header.linkname) {
    const target = normalisePath(header.linkname);
    if (target.escaped)
      ctx.warn(`${name}: hardlink ${path} -> ${header.linkname} climbs out of the root`, "PATH_ESCAPES");
    info.linkTarget = target.path;
    info.size = ctx.tree.nodes.get(target.path)?.info.size ?? 0;
  }
  // Base images carry /dev/null, /dev/console, ... (debootstrap, busybox): only a device elsewhere is odd.
  if (kind === "device" && !path.startsWith("/dev/"))
    ctx.warn(`${name}: device file ${path} recorded, never read`, "DEVICE_FILE");
  const previous = ctx.tree.nodes.get(path)?.info;
  if (previous?.layerIndex === ctx.index && !(previous.kind === "directory" && kind === "directory")) {
    ctx.warn(`${name}: duplicate entry ${path}; the last one wins`, "DUPLICATE_ENTRY");
  }
  const content = kind === "file" || kind === "hardlink" ? await keep(info, entry, ctx, name) : undefined;
  ctx.tree.put(info, content);
  return kind === "file" && content !== undefined;
}

/** Reads the entry's bytes once if any consumer selected it, and hands them to each selecting consumer. */
async function keep(
  info: FileInfo,
  entry: EntryStream,
  ctx: LayerContext,
  name: string,
): Promise<Map<number, Buffer> | undefined> {
  const wanted: number[] = [];
  ctx.consumers.forEach((consumer, i) => {
    if (consumer.select(info)) wanted.push(i);
  });
  if (wanted.length === 0) return undefined;
  if (info.kind === "hardlink") {
    // A hardlink has no bytes of its own: share what each consumer kept of its target.
    const target = info.linkTarget === undefined ? undefined : ctx.tree.nodes.get(info.linkTarget)?.content;
    const shared = new Map<number, Buffer>();
    for (const i of wanted) {
      const bytes = target?.get(i);
      if (bytes !== undefined) shared.set(i, bytes);
    }
    return shared;
  }
  if (info.size > ctx.limits.maxFileBytes) {
    ctx.warn(
      `${name}: ${info.path} is ${info.size} bytes, over the ${ctx.limits.maxFileBytes}-byte limit; not read`,
      "FILE_TOO_LARGE",
    );
    return undefined;
  }
  let bytes = Buffer.allocUnsafe(info.size);
  let offset = 0;
  for await (const chunk of entry) {
    (chunk as Buffer).copy(bytes, offset);
    offset += (chunk as Buffer).length;
  }
  if (offset !== info.size) bytes = bytes.subarray(0, offset);
  const content = new Map<number, Buffer>();
  for (const i of wanted) {
    const reduce = ctx.consumers[i]!.reduce;
    const kept = reduce ? reduce(info, bytes) : bytes;
    if (kept !== undefined) content.set(i, kept);
  }
  return content;
}
