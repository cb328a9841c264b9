import { Digester, digestOf } from "../../core/index.js";
import type { Descriptor } from "../descriptor.js";
import { ImageError } from "../errors.js";
import { MEDIA_TYPE_DOCKER_CONFIG, MEDIA_TYPE_DOCKER_MANIFEST } from "../media-types.js";
import { parseImageReference } from "../reference.js";
import { type FileTree, readSmall } from "./files.js";
import { type ContentSource, DEFAULT_MAX_METADATA_BYTES, resolveImage } from "./resolve.js";
import type { ImageConfig, OpenedManifestImage, OpenImageOptions } from "./types.js";

/**
 * `docker save` archives (moby image/spec "Combined Image JSON + Filesystem Changeset Format" and
 * its manifest.json): `manifest.json` lists, per image, its Config file, RepoTags and Layers (tar
 * paths). Legacy saves name layers `<id>/layer.tar`; Docker 25+ saves are also OCI layouts and name
 * them `blobs/sha256/<hex>`. Layers are usually uncompressed, so a layer's digest is taken from a
 * content-addressed file name, else from the config's rootfs.diff_ids.
 *
 * There is no manifest in a save; the image gets the Docker v2 manifest skopeo would write for it
 * (uncompressed layers), and `digest` is that manifest's digest. The image ID docker prints is the
 * config digest.
 */
export const MEDIA_TYPE_DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

interface SaveEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

/** `blobs/sha256/<hex>` (Docker 25+) or `<hex>.tar` (skopeo) name a layer by its content; `<id>/layer.tar` does not. */
const CONTENT_NAME = /^(?:\.\/)?(?:blobs\/sha256\/([a-f0-9]{64})|([a-f0-9]{64})\.tar)$/;

function sameImage(a: string, b: string): boolean {
  try {
    const x = parseImageReference(a);
    const y = parseImageReference(b);
    return (
      x.registry === y.registry &&
      x.repository === y.repository &&
      (x.tag ?? "latest") === (y.tag ?? "latest")
    );
  } catch {
    return a === b;
  }
}

async function hashFile(tree: FileTree, path: string): Promise<string> {
  const digester = new Digester();
  for await (const chunk of await tree.open(path)) digester.update(chunk as Buffer);
  return digester.digest();
}

export async function openDockerArchive(
  tree: FileTree,
  ref: string | undefined,
  options: OpenImageOptions,
  description: string,
): Promise<OpenedManifestImage> {
  const max = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const raw = await readSmall(tree, "manifest.json", max);
  if (raw === undefined)
    throw new ImageError("IMAGE_NOT_FOUND", `${description}: no manifest.json, not a docker save archive`);
  let saves: SaveEntry[];
  try {
    saves = JSON.parse(raw.toString("utf8")) as SaveEntry[];
    if (!Array.isArray(saves) || saves.length === 0) throw new Error("expected a non-empty array");
  } catch (err) {
    throw new ImageError("IMAGE_UNREADABLE", `${description}: manifest.json is invalid`, { cause: err });
  }
  const save =
    ref === undefined ? saves[0] : saves.find((s) => (s.RepoTags ?? []).some((t) => sameImage(t, ref)));
  if (save === undefined)
    throw new ImageError("IMAGE_NOT_FOUND", `${description}: no image tagged ${JSON.stringify(ref)}`);
  if (typeof save.Config !== "string" || !Array.isArray(save.Layers)) {
    throw new ImageError("IMAGE_UNREADABLE", `${description}: manifest.json entry lacks Config or Layers`);
  }
  const configBytes = await readSmall(tree, save.Config, max);
  if (configBytes === undefined)
    throw new ImageError("IMAGE_UNREADABLE", `${description}: ${save.Config} is missing`);
  let diffIds: string[] = [];
  try {
    diffIds = (JSON.parse(configBytes.toString("utf8")) as ImageConfig).rootfs?.diff_ids ?? [];
  } catch (err) {
    throw new ImageError("IMAGE_UNREADABLE", `${description}: ${save.Config} is not JSON`, { cause: err });
  }
  const paths = new Map<string, string>();
  const configDigest = digestOf(configBytes);
  paths.set(configDigest, save.Config);
  const layers: Descriptor[] = [];
  for (const [i, path] of save.Layers.entries()) {
    const size = await tree.size(path);
    if (size === undefined)
      throw new ImageError("IMAGE_UNREADABLE", `${description}: layer ${path} is missing`);
    const match = CONTENT_NAME.exec(path);
    const named = match?.[1] ?? match?.[2];
    const digest = named ? `sha256:${named}` : (diffIds[i] ?? (await hashFile(tree, path)));
    paths.set(digest, path);
    layers.push({ mediaType: MEDIA_TYPE_DOCKER_LAYER_TAR, digest, size });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
      config: { mediaType: MEDIA_TYPE_DOCKER_CONFIG, size: configBytes.length, digest: configDigest },
      layers,
    }),
  );
  const content: ContentSource = {
    async openBlob(descriptor) {
      const path = paths.get(descriptor.digest);
      if (path === undefined)
        throw new ImageError(
          "IMAGE_NOT_FOUND",
          `${description}: blob ${descriptor.digest} is not in the archive`,
        );
      return tree.open(path);
    },
    close: () => tree.close(),
  };
  const reference = ref ?? save.RepoTags?.[0];
  return resolveImage(
    content,
    { bytes: manifest, mediaType: MEDIA_TYPE_DOCKER_MANIFEST, digest: digestOf(manifest) },
    options,
    {
      description,
      ...(reference ? { reference } : {}),
    },
  );
}
