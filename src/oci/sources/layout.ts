import { parseDigest } from "../../core/index.js";
import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import { parseManifest } from "../manifest.js";
import { type FileTree, readSmall } from "./files.js";
import { type ContentSource, DEFAULT_MAX_METADATA_BYTES, readVerified, resolveImage } from "./resolve.js";
import type { OpenedManifestImage, OpenImageOptions } from "./types.js";

/** image-layout.md: index.json entries are tagged with this annotation. */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";

/** Blobs of an OCI image layout: `blobs/<algorithm>/<encoded>` (image-layout.md "Blobs"). */
export function layoutContent(tree: FileTree): ContentSource {
  return {
    async openBlob(descriptor: Descriptor) {
      const { algorithm, hex } = parseDigest(descriptor.digest);
      const path = `blobs/${algorithm}/${hex}`;
      if ((await tree.size(path)) === undefined) {
        throw new ImageError("IMAGE_NOT_FOUND", `${tree.description}: blob ${descriptor.digest} is missing`);
      }
      return tree.open(path);
    },
    close: () => tree.close(),
  };
}

/**
 * Opens the image tagged `tag` in an OCI image layout (a folder or an oci-archive). Without a tag,
 * the layout must hold exactly one manifest, as skopeo requires.
 */
export async function openLayout(
  tree: FileTree,
  tag: string | undefined,
  options: OpenImageOptions,
  description: string,
): Promise<OpenedManifestImage> {
  const max = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const indexBytes = await readSmall(tree, "index.json", max);
  if (indexBytes === undefined) {
    throw new ImageError("IMAGE_NOT_FOUND", `${description}: no index.json, not an OCI image layout`);
  }
  let entries: Descriptor[];
  try {
    entries = parseManifest(indexBytes, "application/vnd.oci.image.index.v1+json").manifests;
  } catch (err) {
    throw new ImageError(
      "IMAGE_UNREADABLE",
      `${description}: index.json is invalid: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const tags = entries.flatMap((e) =>
    e.annotations?.[ANNOTATION_REF_NAME] ? [e.annotations[ANNOTATION_REF_NAME]] : [],
  );
  let chosen: Descriptor | undefined;
  if (tag !== undefined) {
    chosen = entries.find((e) => e.annotations?.[ANNOTATION_REF_NAME] === tag);
    if (chosen === undefined) {
      throw new ImageError(
        "IMAGE_NOT_FOUND",
        `${description}: no image tagged ${JSON.stringify(tag)} (tags: ${tags.join(", ") || "none"})`,
      );
    }
  } else if (entries.length === 1) {
    chosen = entries[0];
  } else {
    throw new ImageError(
      "IMAGE_NOT_FOUND",
      `${description}: the layout holds ${entries.length} images; name one with :TAG (tags: ${tags.join(", ") || "none"})`,
    );
  }
  const content = layoutContent(tree);
  const bytes = await readVerified(content, chosen!, max, `manifest ${chosen!.digest}`);
  return resolveImage(content, { bytes, mediaType: chosen!.mediaType, digest: chosen!.digest }, options, {
    description,
    ...(tag !== undefined ? { reference: tag } : {}),
  });
}
