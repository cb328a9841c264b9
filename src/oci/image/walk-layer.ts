import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Header } from "tar-stream";
import { ImageError } from "../errors.js";
import { decompressor } from "./decompress.js";
import type { FileInfo, FileKind, LinkIssue } from "./files.js";
import type { FileConsumer, WalkLimits, WalkProgress } from "./options.js";
import { normalisePath, parentOf } from "./paths.js";
import type { ContentSource, TreeBuilder } from "./tree-builder.js";
import type { WarnFn } from "./warnings.js";

/** Bytes a second pass must read: the entry at this position, for these consumers. */
export interface Fetch {
  readonly source: ContentSource;
  readonly info: FileInfo;
  readonly consumers: readonly number[];
}

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
  /** Records a link that could not be resolved (and warns with its message). */
  readonly unresolved: (issue: LinkIssue) => void;
  readonly onProgress?: (progress: WalkProgress) => void;
  /** A second pass: read only these entries (by position in the layer) into their sources. */
  readonly fetch?: ReadonlyMap<number, Fetch>;
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

  let ordinal = 0;
  const tar = extract();
  // pipeline() rejects with the error; streamx also emits it, and an unheard "error" would crash.
  tar.on("error", () => {});
  tar.on("entry", (header, entry, next) => {
    // A layer that ends mid-entry destroys the entry's stream too; the walk reports it once.
    entry.on("error", () => {});
    // Asking for the next header before this entry drained makes tar-stream several times slower.
    const position = ordinal++;
    (ctx.fetch
      ? fetchEntry(header, entry, ctx, name, ctx.fetch.get(position))
      : onEntry(header, entry, ctx, name, position)
    )
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
  position: number,
): Promise<boolean> {
  if (++ctx.entries > ctx.limits.maxEntries) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `${name}: the image has more than ${ctx.limits.maxEntries} entries`,
    );
  }
  const normalised = normalisePath(header.name);
  const { escaped } = normalised;
  if (escaped)
    ctx.warn(
      `${name}: entry ${JSON.stringify(header.name)} climbs out of the root; read as ${normalised.path}`,
      "PATH_ESCAPES",
    );
  const kind = header.type ? KINDS[header.type] : "file";
  if (normalised.path === "/" || kind === undefined) {
    if (kind === undefined)
      ctx.warn(
        `${name}: skipped entry ${JSON.stringify(header.name)} of type ${header.type}`,
        "ENTRY_SKIPPED",
      );
    return false;
  }
  const placed = ctx.tree.placement(normalised.path);
  if (placed.loop) {
    ctx.unresolved({
      code: "LINK_LOOP",
      path: normalised.path,
      message: `${name}: entry ${JSON.stringify(header.name)} is under a symlink loop; an unpacker refuses it`,
    });
    return false;
  }
  const { path } = placed;
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
  let source: ContentSource | undefined;
  if (kind === "hardlink") {
    const target = hardlinkTarget(header.linkname ?? "", info, ctx, name);
    if (target === undefined) return false;
    source = target.source;
  }
  if (kind === "file") source = { layer: ctx.index, entry: position, path };
  // Base images carry /dev/null, /dev/console, ... (debootstrap, busybox): only a device elsewhere is odd.
  if (kind === "device" && !path.startsWith("/dev/"))
    ctx.warn(`${name}: device file ${path} recorded, never read`, "DEVICE_FILE");
  const previous = ctx.tree.nodes.get(path)?.info;
  if (previous?.layerIndex === ctx.index && !(previous.kind === "directory" && kind === "directory")) {
    ctx.warn(`${name}: duplicate entry ${path}; the last one wins`, "DUPLICATE_ENTRY");
  }
  if (kind !== "file" || source === undefined) {
    ctx.tree.put(info, source);
    return false;
  }
  const wanted: number[] = [];
  ctx.consumers.forEach((consumer, i) => {
    if (consumer.select(info)) wanted.push(i);
  });
  const read = wanted.length > 0 && (await readInto(info, source, wanted, entry, ctx, name));
  ctx.tree.put(info, source, wanted);
  return read;
}

/**
 * Resolves a hardlink entry to what it shares: a regular file's bytes (the same source object), or,
 * for a link to a symlink, the symlink itself (link(2) does not follow it). Updates `info` to match.
 * Undefined (with an unresolved-link issue) when the target is absent or a directory: an unpacker
 * fails there, and whatever the link was meant to hold is not in what we kept.
 */
function hardlinkTarget(
  linkname: string,
  info: FileInfo,
  ctx: LayerContext,
  name: string,
): { source?: ContentSource } | undefined {
  const target = normalisePath(linkname);
  if (target.escaped)
    ctx.warn(`${name}: hardlink ${info.path} -> ${linkname} climbs out of the root`, "PATH_ESCAPES");
  info.linkTarget = target.path;
  const node = ctx.tree.linkTarget(target.path);
  if (node?.info.kind === "symlink") {
    info.kind = "symlink";
    info.linkTarget = node.info.linkTarget ?? "";
    return {};
  }
  if (node?.source === undefined || (node.info.kind !== "file" && node.info.kind !== "hardlink")) {
    const what = node === undefined ? "is not in the image" : `is a ${node.info.kind}`;
    ctx.unresolved({
      code: "LINK_UNRESOLVED",
      path: info.path,
      message: `${name}: hardlink ${info.path} -> ${linkname}: the target ${what}; the file cannot be read`,
    });
    return undefined;
  }
  info.size = node.info.size;
  return { source: node.source };
}

/** Reads a file entry's bytes (bounded by maxFileBytes) into `source` for each of `wanted`. */
async function readInto(
  info: FileInfo,
  source: ContentSource,
  wanted: readonly number[],
  entry: EntryStream,
  ctx: LayerContext,
  name: string,
): Promise<boolean> {
  source.done ??= new Set();
  for (const i of wanted) source.done.add(i);
  if (info.size > ctx.limits.maxFileBytes) {
    ctx.warn(
      `${name}: ${info.path} is ${info.size} bytes, over the ${ctx.limits.maxFileBytes}-byte limit; not read`,
      "FILE_TOO_LARGE",
    );
    return false;
  }
  let bytes = Buffer.allocUnsafe(info.size);
  let offset = 0;
  for await (const chunk of entry) {
    (chunk as Buffer).copy(bytes, offset);
    offset += (chunk as Buffer).length;
  }
  if (offset !== info.size) bytes = bytes.subarray(0, offset);
  for (const i of wanted) {
    const reduce = ctx.consumers[i]!.reduce;
    const kept = reduce ? reduce(info, bytes) : bytes;
    if (kept === undefined) continue;
    source.content ??= new Map();
    source.content.set(i, kept);
  }
  return true;
}

/** Second pass: reads the bytes of one entry a link made wanted, if this is one; skips the rest. */
async function fetchEntry(
  header: Header,
  entry: EntryStream,
  ctx: LayerContext,
  name: string,
  fetch: Fetch | undefined,
): Promise<boolean> {
  if (fetch === undefined) return false;
  const kind = header.type ? KINDS[header.type] : "file";
  if (kind !== "file") return false;
  return readInto(fetch.info, fetch.source, fetch.consumers, entry, ctx, name);
}
