/**
 * Test helpers: tar layers built in memory with tar-stream (every entry type a layer can hold),
 * compressed with zlib, and a WalkableImage over them. Not exported from the domain's index.ts.
 */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { digestOf } from "../../../core/index.js";
import type { Descriptor } from "../../descriptor.js";
import { MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP } from "../../media-types.js";
import { verifyingStream } from "../verify.js";
import type { WalkableImage } from "../walk.js";

export type TestEntry =
  | { name: string; type?: "file"; content?: string | Buffer; mode?: number }
  | { name: string; type: "directory"; mode?: number }
  | { name: string; type: "symlink" | "link"; linkname: string }
  | { name: string; type: "character-device" | "block-device" | "fifo" };

const EPOCH = new Date("2024-01-01T00:00:00Z");

/** An uncompressed tar of the entries, in order (duplicates allowed). */
export async function tarOf(entries: readonly TestEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    packer.on("data", (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    packer.on("end", () => resolve());
    packer.on("error", reject);
  });
  for (const entry of entries) {
    const header = { name: entry.name, mtime: EPOCH, uid: 0, gid: 0 };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (entry.type === undefined || entry.type === "file") {
        const content =
          typeof entry.content === "string" ? Buffer.from(entry.content) : (entry.content ?? Buffer.alloc(0));
        packer.entry(
          { ...header, type: "file", mode: entry.mode ?? 0o644, size: content.length },
          content,
          cb,
        );
      } else if (entry.type === "directory") {
        packer.entry({ ...header, type: "directory", mode: entry.mode ?? 0o755 }, cb);
      } else if (entry.type === "symlink" || entry.type === "link") {
        packer.entry({ ...header, type: entry.type, linkname: entry.linkname, mode: 0o777 }, cb);
      } else {
        packer.entry({ ...header, type: entry.type, mode: 0o600, devmajor: 1, devminor: 3 }, cb);
      }
    });
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface TestLayer {
  bytes: Buffer;
  descriptor: Descriptor;
}

export function layerOf(bytes: Buffer, options: { gzip?: boolean; mediaType?: string } = {}): TestLayer {
  const data = options.gzip === false ? bytes : gzipSync(bytes);
  return {
    bytes: data,
    descriptor: {
      mediaType:
        options.mediaType ?? (options.gzip === false ? MEDIA_TYPE_OCI_LAYER : MEDIA_TYPE_OCI_LAYER_GZIP),
      digest: digestOf(data),
      size: data.length,
    },
  };
}

export async function gzLayer(entries: readonly TestEntry[]): Promise<TestLayer> {
  return layerOf(await tarOf(entries));
}

/** An in-memory image whose layers are verified against their descriptors as they stream, like a source's. */
export function memoryImage(
  layers: readonly TestLayer[],
  history?: { created_by?: string; empty_layer?: boolean }[],
): WalkableImage {
  return {
    layers: layers.map((l) => l.descriptor),
    ...(history ? { config: { parsed: { history } } } : {}),
    async openLayer(index) {
      const layer = layers[index]!;
      // Small chunks so streaming code paths (headers split across chunks) are exercised.
      const chunks: Buffer[] = [];
      for (let at = 0; at < layer.bytes.length; at += 4096) chunks.push(layer.bytes.subarray(at, at + 4096));
      return Readable.from(chunks).pipe(
        verifyingStream(layer.descriptor.digest, layer.descriptor.size, `layer ${index}`),
      );
    },
  };
}
