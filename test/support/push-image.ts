/**
 * Pushes a tiny one-layer OCI image through the registry client (tests and benchmarks that need an
 * image in a registry but not a realistic one). The layer is `layer <seed>`, so different seeds give
 * different digests; `config` is merged into the image config (User, Labels, ...).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryClient } from "../../src/oci/index.js";

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export async function pushTinyImage(
  client: RegistryClient,
  repo: string,
  tag: string,
  options: { seed?: string; config?: Record<string, unknown> } = {},
): Promise<string> {
  const layer = Buffer.from(`layer ${options.seed ?? `${repo} ${tag}`}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      ...(options.config ? { config: options.config } : {}),
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
    }),
  );
  await client.pushBlob(repo, { data: layer });
  await client.pushBlob(repo, { data: config });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length },
      ],
    }),
  );
  return client.putManifest(repo, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
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
  return client.putManifest(repo, tag, manifestBytes, "application/vnd.oci.image.manifest.v1+json");
}
