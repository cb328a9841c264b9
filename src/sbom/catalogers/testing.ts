/**
 * Test support shared by every cataloger test (and the distro tests): an image built in memory and
 * scanned exactly as `generateSbom` scans a real one. The files become a real tar layer (tar-stream),
 * the real walker (`walkImage`) squashes it and feeds `consumersFor`, and `catalogFileSystem` detects
 * the distro and runs the cataloger; so a test exercises wants → read → reduce → catalog, implicit
 * parent directories, modes, and symlink resolution as an image scan does. Not exported from index.ts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import { digestOf } from "../../core/index.js";
import {
  type Descriptor,
  type FileInfo,
  MEDIA_TYPE_OCI_LAYER,
  type SquashedFileSystem,
  type WalkableImage,
  walkImage,
} from "../../oci/index.js";
import { catalogFileSystem, consumersFor } from "../generate.js";
import type { Distro, Package } from "../model.js";
import type { Cataloger } from "./cataloger.js";

/**
 * One path of the image: a string or Buffer is a regular file (mode 0o644); the object forms add
 * a mode (executables need an exec bit for the Go and Rust catalogers), directories and links.
 */
export type TestFile =
  | string
  | Buffer
  | { readonly content: string | Buffer; readonly mode?: number }
  | { readonly directory: true; readonly mode?: number }
  | { readonly symlink: string }
  | { readonly hardlink: string };

/** Absolute paths to entries, written to the layer in insertion order. */
export type TestFiles = Readonly<Record<string, TestFile>>;

/** An executable regular file (mode 0o755). */
export function exe(content: string | Buffer): TestFile {
  return { content, mode: 0o755 };
}

/** The FileInfo a walker gives a regular file, for unit tests of `wants`. */
export function fileInfoOf(path: string, overrides: Partial<Omit<FileInfo, "path">> = {}): FileInfo {
  return { path, kind: "file", size: 0, mode: 0o644, layerIndex: 0, layerDigest: "", ...overrides };
}

/** Loads a testdata folder as regular files rooted at `mountAt` ("/app" puts `x/y` at "/app/x/y"). */
export function filesFromDir(dir: string, mountAt = ""): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const walk = (at: string, rel: string): void => {
    for (const name of readdirSync(at).sort()) {
      const full = join(at, name);
      if (statSync(full).isDirectory()) walk(full, `${rel}/${name}`);
      else files[`${mountAt}${rel}/${name}`] = readFileSync(full);
    }
  };
  walk(dir, "");
  return files;
}

/** name@version of each package in the given order: the compact form most assertions compare. */
export function ids(packages: readonly Package[]): string[] {
  return packages.map((pkg) => `${pkg.name}@${pkg.version}`);
}

export interface ImageScan {
  readonly fs: SquashedFileSystem;
  /** What catalogFileSystem detected from the image's os-release and release files. */
  readonly distro?: Distro;
  /** The merged packages an SBOM would hold (mergePackages: deduplicated, sorted). */
  readonly merged: Package[];
  /** Digest of each layer, bottom first: what `locations[].layerDigest` holds. */
  readonly layerDigests: string[];
  /** Every warning the production `warn` callback received: walker ones and prefixed cataloger ones. */
  readonly log: string[];
}

/**
 * Builds the image (one layer, or one per element) and runs the production pipeline over it with
 * these catalogers; `scanImage(files, [])` only detects the distro.
 */
export async function scanImage(
  layers: TestFiles | readonly TestFiles[],
  catalogers: readonly Cataloger[],
): Promise<ImageScan> {
  const built = await Promise.all((isLayerList(layers) ? layers : [layers]).map(tarLayer));
  const log: string[] = [];
  const warn = (message: string) => log.push(message);
  const fs = await walkImage(memoryImage(built), { consumers: consumersFor(catalogers), warn });
  const { distro, packages } = await catalogFileSystem(fs, catalogers, warn);
  return {
    fs,
    ...(distro ? { distro } : {}),
    merged: packages,
    layerDigests: built.map((layer) => layer.descriptor.digest),
    log,
  };
}

export interface CatalogRun extends ImageScan {
  /** What the cataloger's catalog returned, in its own order (before merging). */
  readonly packages: Package[];
  /** The cataloger's own warnings, as it wrote them (catalogFileSystem's "name: " prefix removed). */
  readonly warnings: string[];
  /** Paths the walker kept bytes of for this cataloger, in path order, and how many bytes reduce kept. */
  readonly kept: ReadonlyMap<string, number>;
  /** The keys of `kept`: the files the cataloger selected and still holds bytes of. */
  readonly selected: string[];
}

/**
 * Scans the files with one cataloger as an image scan would. A throw from catalog is a broken
 * contract (production turns it into a warning): here it is rethrown so the test fails.
 */
export async function runCataloger(
  cataloger: Cataloger,
  layers: TestFiles | readonly TestFiles[],
): Promise<CatalogRun> {
  let packages: Package[] = [];
  let thrown: { error: unknown } | undefined;
  const warnings: string[] = [];
  // Same name, wants and reduce: only catalog is observed, to see its output before mergePackages.
  const observed: Cataloger = {
    ...cataloger,
    async catalog(resolver, context) {
      try {
        packages = await cataloger.catalog(resolver, {
          ...context,
          warn: (message) => {
            warnings.push(message);
            context.warn(message);
          },
        });
        return packages;
      } catch (error) {
        thrown = { error };
        throw error;
      }
    },
  };
  const scan = await scanImage(layers, [observed]);
  if (thrown) throw thrown.error;
  const kept = new Map<string, number>();
  for (const file of scan.fs.selected(1)) kept.set(file.path, scan.fs.content(file.path, 1)?.length ?? 0);
  return { ...scan, packages, warnings, kept, selected: [...kept.keys()] };
}

interface TestLayer {
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

function isLayerList(layers: TestFiles | readonly TestFiles[]): layers is readonly TestFiles[] {
  return Array.isArray(layers);
}

const EPOCH = new Date("2024-01-01T00:00:00Z");

/** An uncompressed tar layer of the files, its descriptor carrying the digest a source would verify. */
async function tarLayer(files: TestFiles): Promise<TestLayer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    packer.on("data", (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    packer.on("end", () => resolve());
    packer.on("error", reject);
  });
  for (const [path, file] of Object.entries(files)) {
    const header = { name: path.replace(/^\/+/, ""), mtime: EPOCH, uid: 0, gid: 0 };
    await new Promise<void>((resolve, reject) => {
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      if (typeof file === "string" || Buffer.isBuffer(file) || "content" in file) {
        const content = typeof file === "string" || Buffer.isBuffer(file) ? file : file.content;
        const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
        const mode = typeof file === "object" && "mode" in file ? (file.mode ?? 0o644) : 0o644;
        packer.entry({ ...header, type: "file", mode, size: bytes.length }, bytes, callback);
      } else if ("directory" in file) {
        packer.entry({ ...header, type: "directory", mode: file.mode ?? 0o755 }, callback);
      } else if ("symlink" in file) {
        packer.entry({ ...header, type: "symlink", linkname: file.symlink, mode: 0o777 }, callback);
      } else {
        packer.entry({ ...header, type: "link", linkname: file.hardlink.replace(/^\/+/, "") }, callback);
      }
    });
  }
  packer.finalize();
  await done;
  const bytes = Buffer.concat(chunks);
  return {
    bytes,
    descriptor: { mediaType: MEDIA_TYPE_OCI_LAYER, digest: digestOf(bytes), size: bytes.length },
  };
}

/** Layers streamed in 64 KiB chunks, so tar headers split across chunks as they do from a registry. */
function memoryImage(layers: readonly TestLayer[]): WalkableImage {
  return {
    layers: layers.map((layer) => layer.descriptor),
    async openLayer(index) {
      const { bytes } = layers[index]!;
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
      return Readable.from(chunks);
    },
  };
}
