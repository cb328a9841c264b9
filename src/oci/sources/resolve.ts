import type { Readable } from "node:stream";
import { Digester, parseDigest } from "../../core/index.js";
import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import { verifyingStream } from "../image/verify.js";
import { type ParsedManifest, parseManifest } from "../manifest.js";
import { DEFAULT_PLATFORM, formatPlatform, pickManifest } from "./platform.js";
import type { ImageConfig, OpenedManifestImage, OpenImageOptions } from "./types.js";

/** Where an image's content comes from: a layout folder, a tar archive, a registry. */
export interface ContentSource {
  /** The blob's raw bytes, unverified; throws ImageError IMAGE_NOT_FOUND when it is missing. */
  openBlob(descriptor: Descriptor): Promise<Readable>;
  /** A manifest's bytes; sources where manifests are not blobs (registries) override this. */
  readManifest?(descriptor: Descriptor): Promise<{ bytes: Buffer; mediaType: string }>;
  /** openBlob already verifies digest and size while streaming (the registry client does). */
  readonly verifies?: boolean;
  close(): Promise<void>;
}

export const DEFAULT_MAX_METADATA_BYTES = 8 * 1024 * 1024;

/** Reads a small blob whole, verified against its digest and size, refusing more than `max` bytes. */
export async function readVerified(
  source: ContentSource,
  descriptor: Descriptor,
  max: number,
  what: string,
): Promise<Buffer> {
  if (descriptor.size > max) {
    throw new ImageError(
      "IMAGE_UNREADABLE",
      `${what} is ${descriptor.size} bytes, over the ${max}-byte limit`,
    );
  }
  const stream = await source.openBlob(descriptor);
  const digester = new Digester(parseDigest(descriptor.digest).algorithm);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    digester.update(chunk as Buffer);
    if (digester.size > max) {
      stream.destroy();
      throw new ImageError("IMAGE_UNREADABLE", `${what} is over the ${max}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  if (digester.digest() !== descriptor.digest) {
    throw new ImageError(
      "BLOB_DIGEST_MISMATCH",
      `${what} hashes to ${digester.digest()}, expected ${descriptor.digest}`,
    );
  }
  return Buffer.concat(chunks);
}

function parse(bytes: Buffer, mediaType: string | undefined, what: string): ParsedManifest {
  try {
    return parseManifest(bytes, mediaType);
  } catch (err) {
    throw new ImageError("IMAGE_UNREADABLE", `${what} is not a valid manifest: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export interface RootManifest {
  bytes: Buffer;
  mediaType: string | undefined;
  digest: string;
}

/**
 * From a root manifest (an image manifest or an index) to an opened image: picks the platform from
 * an index (image-index.md), reads and verifies the config, and opens layers verified while they stream.
 */
export async function resolveImage(
  source: ContentSource,
  root: RootManifest,
  options: OpenImageOptions,
  meta: { description: string; reference?: string },
): Promise<OpenedManifestImage> {
  const max = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  let parsed = parse(root.bytes, root.mediaType, meta.description);
  let bytes = root.bytes;
  let digest = root.digest;
  let indexDigest: string | undefined;
  const platform = options.platform ?? DEFAULT_PLATFORM;
  for (let depth = 0; parsed.kind === "index"; depth++) {
    if (depth >= 4) throw new ImageError("IMAGE_UNREADABLE", `${meta.description}: indexes nest too deeply`);
    const chosen = pickManifest(parsed.manifests, platform);
    if (chosen === undefined) {
      const available = parsed.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
      throw new ImageError(
        "PLATFORM_NOT_FOUND",
        `${meta.description} has no image for ${formatPlatform(platform)} (available: ${available.join(", ") || "none"})`,
        { detail: { available } },
      );
    }
    indexDigest ??= digest;
    const child = source.readManifest
      ? await source.readManifest(chosen)
      : {
          bytes: await readVerified(source, chosen, max, `manifest ${chosen.digest}`),
          mediaType: chosen.mediaType,
        };
    bytes = child.bytes;
    digest = chosen.digest;
    parsed = parse(bytes, child.mediaType || chosen.mediaType, `manifest ${chosen.digest}`);
  }
  const configDescriptor = parsed.config;
  if (configDescriptor === undefined) {
    throw new ImageError("IMAGE_UNREADABLE", `${meta.description}: the manifest has no config`);
  }
  const configBytes = await readVerified(source, configDescriptor, max, `config ${configDescriptor.digest}`);
  let config: ImageConfig;
  try {
    config = JSON.parse(configBytes.toString("utf8")) as ImageConfig;
    if (config === null || typeof config !== "object" || Array.isArray(config))
      throw new Error("not an object");
  } catch (err) {
    throw new ImageError("IMAGE_UNREADABLE", `${meta.description}: config is not a JSON object`, {
      cause: err,
    });
  }
  const layers = parsed.layers;
  const image: OpenedManifestImage = {
    kind: "image",
    description: meta.description,
    digest,
    manifest: { parsed, bytes, mediaType: parsed.mediaType },
    config: { digest: configDescriptor.digest, bytes: configBytes, parsed: config },
    layers,
    openLayer: async (index) => {
      const layer = layers[index];
      if (layer === undefined)
        throw new ImageError("IMAGE_UNREADABLE", `${meta.description} has no layer ${index}`);
      const raw = await source.openBlob(layer);
      if (source.verifies) return raw;
      const verified = verifyingStream(layer.digest, layer.size, `layer ${index} (${layer.digest})`);
      raw.on("error", (err) => verified.destroy(err));
      return raw.pipe(verified);
    },
    close: () => source.close(),
  };
  if (meta.reference !== undefined) image.reference = meta.reference;
  if (indexDigest !== undefined) {
    image.indexDigest = indexDigest;
    image.platform = platform;
  }
  return image;
}
