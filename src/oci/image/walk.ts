import type { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import type { OpenedImage } from "../sources/types.js";
import type { LinkIssue } from "./files.js";
import { planSelections } from "./links.js";
import { resolveLimits, type WalkOptions } from "./options.js";
import { type LayerInfo, SquashedFileSystem } from "./squashed.js";
import { TreeBuilder } from "./tree-builder.js";
import { walkDirectory } from "./walk-directory.js";
import { type LayerContext, walkLayer } from "./walk-layer.js";
import type { WarnFn } from "./warnings.js";

/** What the walker needs of an image: its layers, a way to open each, and optionally the config's history. */
export interface WalkableImage {
  readonly layers: readonly Descriptor[];
  /** Must return the layer's blob verified against its descriptor (sources do, see verifyingStream). */
  openLayer(index: number): Promise<Readable>;
  readonly config?: { readonly parsed: { readonly history?: readonly HistoryLike[] } };
}

interface HistoryLike {
  readonly created_by?: string;
  readonly empty_layer?: boolean;
}

/**
 * Squashes an image: streams each layer once, bottom to top, applying whiteouts, and keeps bytes
 * only of files a consumer selects. A layer that fails (digest mismatch, truncation, a limit) fails
 * the whole walk with an ImageError naming it: a partial file system could hide packages.
 * A `dir:` image (kind "directory") is read with walkDirectory.
 *
 * Which files a consumer gets is decided on the final tree, by the paths a container sees
 * (links.ts): when a link makes a consumer want bytes the streaming pass did not keep (a symlink
 * or hardlink to a file under another name), a second pass reads only those entries, only from
 * the layers that hold them. Most images need none.
 */
export async function walkImage(
  image: OpenedImage | WalkableImage,
  options: WalkOptions = {},
): Promise<SquashedFileSystem> {
  if ("kind" in image && image.kind === "directory") return walkDirectory(image.root, options);
  const layered = image as WalkableImage;
  const limits = resolveLimits(options.limits);
  const warnings: string[] = [];
  const warn: WarnFn = (message, code) => {
    warnings.push(message);
    options.warn?.(message, code);
  };
  const issues: LinkIssue[] = [];
  const unresolved = (issue: LinkIssue) => {
    issues.push(issue);
    warn(issue.message, issue.code);
  };
  const layers = layerInfos(layered);
  const tree = new TreeBuilder();
  let entries = 0;
  for (const layer of layers) {
    tree.beginLayer(layer.index);
    const ctx: LayerContext = {
      index: layer.index,
      layers: layers.length,
      digest: layer.digest,
      size: layer.size,
      tree,
      consumers: options.consumers ?? [],
      limits,
      entries,
      warn,
      unresolved,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    await walkLayer(await openLayer(layered, layer), ctx);
    entries = ctx.entries;
    tree.endLayer();
  }
  const consumers = options.consumers ?? [];
  const plan = planSelections(tree.nodes, consumers, limits.maxLinkedPaths, unresolved);
  for (const [index, fetch] of [...plan.fetches].sort(([a], [b]) => a - b)) {
    const layer = layers[index]!;
    const ctx: LayerContext = {
      index,
      layers: layers.length,
      digest: layer.digest,
      size: layer.size,
      tree,
      consumers,
      limits,
      entries: 0,
      warn,
      unresolved,
      fetch,
    };
    await walkLayer(await openLayer(layered, layer), ctx);
    for (const { source, info, consumers: wanted } of fetch.values()) {
      if (wanted.every((i) => source.done?.has(i))) continue;
      unresolved({
        code: "LINK_UNRESOLVED",
        path: info.path,
        message: `${ctx.digest === "" ? "layer" : `layer ${index} (${ctx.digest})`}: entry ${source.entry} (${source.path}) was not found again; ${info.path} is not catalogued`,
      });
    }
  }
  return new SquashedFileSystem(tree.nodes, layers, warnings, plan.selections, issues);
}

async function openLayer(image: WalkableImage, layer: LayerInfo): Promise<Readable> {
  try {
    return await image.openLayer(layer.index);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError("IMAGE_UNREADABLE", `layer ${layer.index} (${layer.digest}) cannot be opened`, {
      cause: err,
    });
  }
}

/** Layers with the build step that made each: history entries marked empty_layer make no layer. */
function layerInfos(image: WalkableImage): LayerInfo[] {
  const steps = (image.config?.parsed.history ?? []).filter((h) => h.empty_layer !== true);
  const aligned = steps.length === image.layers.length;
  return image.layers.map((descriptor, index) => {
    const info: LayerInfo = {
      index,
      digest: descriptor.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
    };
    const createdBy = aligned ? steps[index]?.created_by : undefined;
    if (createdBy !== undefined) info.createdBy = createdBy;
    return info;
  });
}
