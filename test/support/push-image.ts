/**
 * Pushes images through the registry client, for tests and benchmarks: a tiny one-layer image
 * (`pushTinyImage`: an image in a registry but not a realistic one; the layer is `layer <seed>`, so
 * different seeds give different digests, and `config` becomes the image config's `config`), an image
 * built in memory (`pushBuiltImage`), or the image of an OCI layout (`pushLayoutImage`).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryClient } from "../../src/oci/index.js";

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** A tiny one-layer image's bytes: `layer <seed>` (not a real tar), its config and its manifest. */
export interface TinyImage {
  readonly layer: Buffer;
  readonly config: Buffer;
  readonly manifest: Buffer;
  readonly digest: string;
}

export function tinyImage(seed: string, config?: Record<string, unknown>): TinyImage {
  const layer = Buffer.from(`layer ${seed}`);
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      ...(config ? { config } : {}),
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(configBytes),
        size: configBytes.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  return { layer, config: configBytes, manifest, digest: sha256(manifest) };
}

export async function pushTinyImage(
  client: RegistryClient,
  repo: string,
  tag: string,
  options: { seed?: string; config?: Record<string, unknown> } = {},
): Promise<string> {
  const image = tinyImage(options.seed ?? `${repo} ${tag}`, options.config);
  return pushBuiltImage(client, repo, tag, {
    config: image.config,
    layers: [image.layer],
    manifest: image.manifest,
  });
}

/**
 * Pushes an image held in memory (src/oci/sources/testing's buildImage, or tinyImage): its config and
 * layers, then its manifest under `tag`. Returns the manifest's digest.
 */
export async function pushBuiltImage(
  client: RegistryClient,
  repo: string,
  tag: string,
  image: {
    readonly config: Buffer;
    readonly layers: ReadonlyArray<Buffer | { readonly bytes: Buffer }>;
    readonly manifest: Buffer;
  },
): Promise<string> {
  await client.pushBlob(repo, { data: image.config });
  for (const layer of image.layers) {
    await client.pushBlob(repo, { data: Buffer.isBuffer(layer) ? layer : layer.bytes });
  }
  return client.putManifest(repo, tag, image.manifest, OCI_MANIFEST);
}

/**
 * Pushes the image of an OCI layout (its folder and manifest digest, as image-builder makes them):
 * blobs, then the manifest under `tag`. Returns the manifest's digest.
 */
export async function pushLayoutImage(
  client: RegistryClient,
  repo: string,
  image: { readonly dir: string; readonly digest: string },
  tag: string,
): Promise<string> {
  const blob = (digest: string) =>
    readFile(join(image.dir, "blobs", "sha256", digest.slice("sha256:".length)));
  const manifestBytes = await blob(image.digest);
  const manifest = JSON.parse(manifestBytes.toString("utf8")) as {
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    await client.pushBlob(repo, { data: await blob(digest) });
  }
  return client.putManifest(repo, tag, manifestBytes, OCI_MANIFEST);
}
