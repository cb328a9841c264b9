/**
 * Builds OCI image layouts (image-layout.md) for end-to-end tests entirely in Node, without network:
 * gzip-compressed tar layers with deterministic pseudo-random contents, an OCI image config, image
 * manifests and image indexes. Every tag is recorded in the layout's index.json through the
 * `org.opencontainers.image.ref.name` annotation, so `skopeo copy oci:<dir>:<tag> ...` resolves it.
 *
 * Output is deterministic for given options: same options, same digests.
 */
import { createCipheriv, createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MEDIA_TYPE_OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

/** Fixed timestamp for tar headers and config `created`, so output does not depend on the clock. */
const EPOCH = new Date("2024-01-01T00:00:00Z");

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface ImageConfig {
  created: string;
  architecture: string;
  os: string;
  variant?: string;
  config: { Cmd: string[]; User: string; Env: string[]; WorkingDir: string };
  rootfs: { type: "layers"; diff_ids: string[] };
  history: Array<{ created: string; created_by: string; comment?: string }>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageOptions {
  /** Tag recorded in index.json (`org.opencontainers.image.ref.name`). Default "v1". */
  tag?: string;
  /**
   * One entry per layer: the size in bytes of the pseudo-random data file in that layer.
   * Default [48 KiB, 256 KiB, 1 MiB + 17] (three layers). The first layer also holds `/bin`, `/etc`
   * and small files so the image is runnable-shaped.
   */
  layerSizes?: number[];
  /** Seed for the pseudo-random contents; different seeds give different blobs. Default "portcullis-e2e". */
  seed?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  cmd?: string[];
  user?: string;
  /** Annotations on the image manifest. */
  annotations?: Record<string, string>;
  /** Leave the `mediaType` field out of the manifest, as some tools (older umoci) do. */
  omitManifestMediaType?: boolean;
}

export interface WrittenImage {
  tag: string;
  /** Digest of the image manifest. */
  digest: string;
  manifestDescriptor: Descriptor;
  manifestBytes: Buffer;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfig;
  /** Digests of the compressed layer blobs, in manifest order. */
  layerDigests: string[];
  /** sha256 of each uncompressed layer tar, in order (== config.rootfs.diff_ids). */
  diffIds: string[];
  /** Every blob digest the image references (manifest, config, layers). */
  blobDigests: string[];
}

export interface IndexOptions {
  /** Tag recorded in index.json for the image index. Default "multi". */
  tag?: string;
  seed?: string;
  layerSizes?: number[];
  annotations?: Record<string, string>;
}

export interface WrittenIndex {
  tag: string;
  /** Digest of the image index. */
  digest: string;
  indexBytes: Buffer;
  index: ImageIndex;
  /** The platform images, in index order. */
  images: Array<WrittenImage & { platform: Platform }>;
  /** Every blob digest reachable from the index, including the index itself. */
  blobDigests: string[];
}

export const DEFAULT_PLATFORMS: Platform[] = [
  { architecture: "amd64", os: "linux" },
  { architecture: "arm64", os: "linux", variant: "v8" },
];

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** Deterministic pseudo-random bytes: AES-256-CTR keystream keyed by the seed. */
export function pseudoRandomBytes(seed: string, size: number): Buffer {
  const key = createHash("sha256").update(`key:${seed}`).digest();
  const iv = createHash("sha256").update(`iv:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv("aes-256-ctr", key, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export interface TarEntry {
  name: string;
  type: "file" | "directory";
  mode: number;
  content?: Buffer;
}

/** Builds an uncompressed tar from the entries with tar-stream; fixed mtime/owner for reproducibility. */
export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    packer.on("data", (chunk: unknown) => {
      if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      else reject(new Error("tar-stream produced a non-Buffer chunk"));
    });
    packer.once("end", resolve);
    packer.once("error", reject);
  });
  for (const entry of entries) {
    const header = {
      name: entry.name,
      type: entry.type,
      mode: entry.mode,
      mtime: EPOCH,
      uid: 0,
      gid: 0,
      uname: "root",
      gname: "root",
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (entry.type === "directory") packer.entry(header, cb);
      else
        packer.entry({ ...header, size: entry.content?.length ?? 0 }, entry.content ?? Buffer.alloc(0), cb);
    });
  }
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function writeBlob(dir: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const blobDir = join(dir, "blobs", "sha256");
  await mkdir(blobDir, { recursive: true });
  await writeFile(join(blobDir, digest.slice("sha256:".length)), data);
  return digest;
}

async function ensureLayout(dir: string): Promise<void> {
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
}

/** Reads the layout's index.json, or an empty index when there is none yet. */
export async function readLayoutIndex(dir: string): Promise<ImageIndex> {
  try {
    return JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as ImageIndex;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests: [] };
    }
    throw err;
  }
}

/** Adds (or replaces) the tagged descriptor in index.json. */
async function tagInLayout(dir: string, tag: string, descriptor: Descriptor): Promise<void> {
  const index = await readLayoutIndex(dir);
  index.manifests = index.manifests.filter((d) => d.annotations?.[ANNOTATION_REF_NAME] !== tag);
  index.manifests.push({
    ...descriptor,
    annotations: { ...descriptor.annotations, [ANNOTATION_REF_NAME]: tag },
  });
  await writeFile(join(dir, "index.json"), `${JSON.stringify(index, null, 2)}\n`);
}

/** Writes the blobs of one image into the layout, without tagging it. */
async function writeImageBlobs(dir: string, options: ImageOptions): Promise<Omit<WrittenImage, "tag">> {
  const seed = options.seed ?? "portcullis-e2e";
  const architecture = options.architecture ?? "amd64";
  const os = options.os ?? "linux";
  const layerSizes = options.layerSizes ?? [48 * 1024, 256 * 1024, 1024 * 1024 + 17];
  if (layerSizes.length === 0) throw new Error("an image needs at least one layer");
  const cmd = options.cmd ?? ["/bin/hello"];
  const user = options.user ?? "1000:1000";

  const layerDescriptors: Descriptor[] = [];
  const diffIds: string[] = [];
  const history: ImageConfig["history"] = [];
  for (const [i, size] of layerSizes.entries()) {
    const entries: TarEntry[] = [];
    if (i === 0) {
      entries.push(
        { name: "bin/", type: "directory", mode: 0o755 },
        {
          name: "bin/hello",
          type: "file",
          mode: 0o755,
          content: Buffer.from(`#!/bin/sh\necho "hello from ${seed} ${os}/${architecture}"\n`),
        },
        { name: "etc/", type: "directory", mode: 0o755 },
        {
          name: "etc/os-release",
          type: "file",
          mode: 0o644,
          content: Buffer.from(`ID=portcullis-e2e\nNAME="Portcullis e2e ${os}/${architecture}"\n`),
        },
        { name: "data/", type: "directory", mode: 0o755 },
      );
    }
    entries.push({
      name: `data/layer-${i}.bin`,
      type: "file",
      mode: 0o644,
      content: pseudoRandomBytes(`${seed}/${os}/${architecture}/${options.variant ?? ""}/layer-${i}`, size),
    });
    const tar = await buildTar(entries);
    const gz = gzipSync(tar, { level: 6 });
    diffIds.push(sha256(tar));
    const digest = await writeBlob(dir, gz);
    layerDescriptors.push({ mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, digest, size: gz.length });
    history.push({ created: EPOCH.toISOString(), created_by: `portcullis-e2e layer ${i} (${size} bytes)` });
  }

  const config: ImageConfig = {
    created: EPOCH.toISOString(),
    architecture,
    os,
    ...(options.variant ? { variant: options.variant } : {}),
    config: {
      Cmd: cmd,
      User: user,
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      WorkingDir: "/",
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history,
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await writeBlob(dir, configBytes);

  const manifest: ImageManifest = {
    schemaVersion: 2,
    ...(options.omitManifestMediaType ? {} : { mediaType: MEDIA_TYPE_OCI_MANIFEST }),
    config: { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: layerDescriptors,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const digest = await writeBlob(dir, manifestBytes);
  const layerDigests = layerDescriptors.map((d) => d.digest);
  return {
    digest,
    manifestDescriptor: { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest, size: manifestBytes.length },
    manifestBytes,
    manifest,
    configDigest,
    config,
    layerDigests,
    diffIds,
    blobDigests: [digest, configDigest, ...layerDigests],
  };
}

/**
 * Writes a single-platform multi-layer image into the OCI layout at `dir` (created if needed; other
 * images already in the layout are kept) and tags it in index.json.
 */
export async function writeImageLayout(dir: string, options: ImageOptions = {}): Promise<WrittenImage> {
  await ensureLayout(dir);
  const tag = options.tag ?? "v1";
  const image = await writeImageBlobs(dir, options);
  await tagInLayout(dir, tag, image.manifestDescriptor);
  return { tag, ...image };
}

/**
 * Writes a multi-platform image index (one image manifest per platform, each with `platform` in its
 * index descriptor) into the OCI layout at `dir` and tags the index in index.json.
 */
export async function writeIndexLayout(
  dir: string,
  platforms: Platform[] = DEFAULT_PLATFORMS,
  options: IndexOptions = {},
): Promise<WrittenIndex> {
  await ensureLayout(dir);
  const tag = options.tag ?? "multi";
  const images: WrittenIndex["images"] = [];
  for (const platform of platforms) {
    const image = await writeImageBlobs(dir, {
      seed: options.seed ?? "portcullis-e2e-multi",
      layerSizes: options.layerSizes ?? [32 * 1024, 96 * 1024],
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
    });
    images.push({ tag, ...image, platform });
  }
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_INDEX,
    manifests: images.map((image) => ({ ...image.manifestDescriptor, platform: image.platform })),
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  const indexBytes = Buffer.from(JSON.stringify(index, null, 2));
  const digest = await writeBlob(dir, indexBytes);
  await tagInLayout(dir, tag, { mediaType: MEDIA_TYPE_OCI_INDEX, digest, size: indexBytes.length });
  return {
    tag,
    digest,
    indexBytes,
    index,
    images,
    blobDigests: [digest, ...images.flatMap((image) => image.blobDigests)],
  };
}

/** The descriptor tagged `tag` in the layout's index.json. */
export async function resolveLayoutTag(dir: string, tag: string): Promise<Descriptor> {
  const index = await readLayoutIndex(dir);
  const found = index.manifests.find((d) => d.annotations?.[ANNOTATION_REF_NAME] === tag);
  if (!found) throw new Error(`tag ${tag} not found in ${join(dir, "index.json")}`);
  return found;
}

/** The bytes of a blob in the layout. */
export async function readLayoutBlob(dir: string, digest: string): Promise<Buffer> {
  const [algorithm, hex] = digest.split(":");
  if (!algorithm || !hex) throw new Error(`bad digest ${digest}`);
  return readFile(join(dir, "blobs", algorithm, hex));
}

/** Every blob digest stored in the layout (`sha256:...`), sorted. */
export async function listLayoutBlobs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const algorithm of await readdir(join(dir, "blobs"))) {
    for (const hex of await readdir(join(dir, "blobs", algorithm))) {
      if ((await stat(join(dir, "blobs", algorithm, hex))).isFile()) out.push(`${algorithm}:${hex}`);
    }
  }
  return out.sort();
}
