import { ImageError } from "../errors.js";
import type { FileInfo } from "./files.js";
import type { SquashedFileSystem } from "./squashed.js";
import { type WalkableImage, walkImage } from "./walk.js";

/** Bounds for reading a few small files out of an image at decision time. */
export interface ReadFilesLimits {
  /** Layers an image may have (more: LAYER_LIMIT_EXCEEDED). Default 128 (overlayfs stacks stop near there). */
  readonly maxLayers: number;
  /** Compressed bytes of all layers together, by their descriptors. Default 2 GiB. */
  readonly maxTotalBytes: number;
  /** Largest file kept; a wanted file larger than this fails the read. Default 4 MiB. */
  readonly maxFileBytes: number;
}

export const DEFAULT_READ_FILES_LIMITS: ReadFilesLimits = {
  maxLayers: 128,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxFileBytes: 4 * 1024 * 1024,
};

/**
 * The final content of a few absolute paths of an image (undefined for a path that does not exist
 * once the layers are squashed: whiteouts and later layers win), following symlinks inside the image
 * root and hardlinks as the walker's SquashedFileSystem resolves them. A path whose file is behind a
 * link is read in a second walk, once its target is known (a selector sees each entry before the
 * layers above it). Throws ImageError when a bound is reached or the file cannot be read: a caller
 * deciding on these bytes must not take "unreadable" for "absent".
 */
export async function readImageFiles(
  image: WalkableImage,
  paths: readonly string[],
  limits: Partial<ReadFilesLimits> = {},
): Promise<Map<string, Buffer | undefined>> {
  const bounds = { ...DEFAULT_READ_FILES_LIMITS, ...limits };
  if (image.layers.length > bounds.maxLayers) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `the image has ${image.layers.length} layers, more than the ${bounds.maxLayers} read to find ${paths.join(", ")}`,
    );
  }
  const total = image.layers.reduce((sum, layer) => sum + layer.size, 0);
  if (total > bounds.maxTotalBytes) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `the image's layers hold ${total} bytes, more than the ${bounds.maxTotalBytes} read to find ${paths.join(", ")}`,
    );
  }
  const walk = (wanted: ReadonlySet<string>) =>
    walkImage(image, {
      consumers: [{ select: (file: FileInfo) => wanted.has(file.path) }],
      limits: { maxFileBytes: bounds.maxFileBytes },
    });
  let fs = await walk(new Set(paths));
  const out = new Map<string, Buffer | undefined>();
  const behindLinks = new Set<string>();
  for (const path of paths) {
    const target = targetOf(fs, path, bounds.maxFileBytes);
    if (target === undefined) out.set(path, undefined);
    else if (target !== path) behindLinks.add(target);
  }
  if (behindLinks.size > 0) fs = await walk(new Set([...paths, ...behindLinks]));
  for (const path of paths) {
    if (out.has(path)) continue;
    const content = fs.content(path, 0);
    if (content === undefined) {
      throw new ImageError("IMAGE_UNREADABLE", `${path} is in the image but its content could not be read`);
    }
    out.set(path, content);
  }
  return out;
}

/**
 * The regular file whose bytes `path` shows (after symlinks and one hardlink), or undefined when the
 * path does not exist. Throws for a file too large to read or one that is not a regular file.
 */
function targetOf(fs: SquashedFileSystem, path: string, maxFileBytes: number): string | undefined {
  const real = fs.realPath(path);
  // A missing path, or a dangling or looping symlink: the runtime's open fails the same way.
  let info = real === undefined ? undefined : fs.info(real);
  if (info === undefined) return undefined;
  if (info.kind === "hardlink" && info.linkTarget !== undefined) {
    const linked = fs.info(info.linkTarget);
    if (linked === undefined)
      throw new ImageError("IMAGE_UNREADABLE", `${path} is a hardlink to a missing file`);
    info = linked;
  }
  if (info.kind !== "file") {
    throw new ImageError("IMAGE_UNREADABLE", `${path} is a ${info.kind} in the image, not a file`);
  }
  if (info.size > maxFileBytes) {
    throw new ImageError(
      "LAYER_LIMIT_EXCEEDED",
      `${path} holds ${info.size} bytes, more than the ${maxFileBytes} read of it`,
    );
  }
  return info.path;
}
