/**
 * Test helpers: small images written as OCI layouts, oci-archives and docker-save tars, built in
 * Node (tar-stream + zlib). Not exported from the domain's index.ts.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { pack } from "tar-stream";
import { digestOf } from "../../../core/index.js";
import type { Descriptor, Platform } from "../../descriptor.js";
import { gzLayer, type TestEntry, type TestLayer, tarOf } from "../../image/testing/layers.js";
import { MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST } from "../../media-types.js";

export interface BuiltImage {
  manifest: Buffer;
  digest: string;
  descriptor: Descriptor;
  config: Buffer;
  configDigest: string;
  layers: TestLayer[];
  /** Uncompressed layer tars (docker save writes these). */
  tars: Buffer[];
}

export async function buildImage(
  layers: TestEntry[][],
  options: { platform?: Platform; user?: string; labels?: Record<string, string> } = {},
): Promise<BuiltImage> {
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const tars = await Promise.all(layers.map((l) => tarOf(l)));
  const built = await Promise.all(layers.map((l) => gzLayer(l)));
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { User: options.user ?? "app", Env: ["PATH=/usr/bin"], Labels: options.labels ?? { a: "b" } },
      rootfs: { type: "layers", diff_ids: tars.map((t) => digestOf(t)) },
      history: layers.map((_, i) => ({ created_by: `RUN step ${i}` })),
    }),
  );
  const configDigest = digestOf(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      config: { mediaType: MEDIA_TYPE_OCI_CONFIG, digest: configDigest, size: config.length },
      layers: built.map((l) => l.descriptor),
    }),
  );
  const digest = digestOf(manifest);
  return {
    manifest,
    digest,
    descriptor: { mediaType: MEDIA_TYPE_OCI_MANIFEST, digest, size: manifest.length, platform },
    config,
    configDigest,
    layers: built,
    tars,
  };
}

async function writeBlob(dir: string, data: Buffer): Promise<string> {
  const digest = digestOf(data);
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  await writeFile(join(dir, "blobs", "sha256", digest.slice(7)), data);
  return digest;
}

export async function writeImageBlobs(dir: string, image: BuiltImage): Promise<void> {
  await writeBlob(dir, image.manifest);
  await writeBlob(dir, image.config);
  for (const layer of image.layers) await writeBlob(dir, layer.bytes);
}

/** An OCI layout holding `entries`: each an image (tagged) or an index over several images (tagged). */
export async function writeLayout(
  dir: string,
  entries: Array<{ tag?: string; image: BuiltImage } | { tag?: string; index: BuiltImage[] }>,
): Promise<{ indexDigests: string[] }> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const manifests: Descriptor[] = [];
  const indexDigests: string[] = [];
  for (const entry of entries) {
    const annotations = entry.tag ? { "org.opencontainers.image.ref.name": entry.tag } : undefined;
    if ("image" in entry) {
      await writeImageBlobs(dir, entry.image);
      const { platform: _, ...descriptor } = entry.image.descriptor;
      manifests.push({ ...descriptor, ...(annotations ? { annotations } : {}) });
    } else {
      for (const image of entry.index) await writeImageBlobs(dir, image);
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_OCI_INDEX,
          manifests: entry.index.map((i) => i.descriptor),
        }),
      );
      const digest = await writeBlob(dir, index);
      indexDigests.push(digest);
      manifests.push({
        mediaType: MEDIA_TYPE_OCI_INDEX,
        digest,
        size: index.length,
        ...(annotations ? { annotations } : {}),
      });
    }
  }
  await writeFile(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  return { indexDigests };
}

/** A tar of every file under `dir` (paths relative to it), as `tar -C dir -cf file .` would write. */
export async function tarDirectory(dir: string, file: string, prefix = ""): Promise<void> {
  const files: string[] = [];
  const walk = async (at: string) => {
    for (const name of (await readdir(at)).sort()) {
      const path = join(at, name);
      if ((await stat(path)).isDirectory()) await walk(path);
      else files.push(path);
    }
  };
  await walk(dir);
  await writeFile(
    file,
    await tarFiles(
      await Promise.all(
        files.map(async (f) => ({ name: prefix + relative(dir, f), data: await readFile(f) })),
      ),
    ),
  );
}

export async function tarFiles(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => packer.on("end", () => resolve()));
  packer.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  for (const file of files) packer.entry({ name: file.name, size: file.data.length, mode: 0o644 }, file.data);
  packer.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A `docker save` archive: legacy (<id>/layer.tar, <confighex>.json) or, as Docker 25+ writes it,
 * OCI-layout style (blobs/sha256/<hex> for config and uncompressed layers).
 */
export async function writeDockerSave(
  file: string,
  image: BuiltImage,
  repoTags: string[],
  style: "legacy" | "oci" = "legacy",
): Promise<void> {
  const configName =
    style === "oci" ? `blobs/sha256/${image.configDigest.slice(7)}` : `${image.configDigest.slice(7)}.json`;
  const layerNames = image.tars.map((t) =>
    style === "oci"
      ? `blobs/sha256/${digestOf(t).slice(7)}`
      : `${digestOf(`layer-id-${digestOf(t)}`).slice(7)}/layer.tar`,
  );
  const manifest = [{ Config: configName, RepoTags: repoTags, Layers: layerNames }];
  await writeFile(
    file,
    await tarFiles([
      { name: configName, data: image.config },
      ...image.tars.map((t, i) => ({ name: layerNames[i]!, data: t })),
      { name: "manifest.json", data: Buffer.from(JSON.stringify(manifest)) },
    ]),
  );
}
