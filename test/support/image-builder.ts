/**
 * Builds small OCI image layouts from explicit files, for scanning tests: each layer is a list of
 * files (and whiteouts, which are just files named `.wh.<name>`), gzip-compressed, with an OCI config
 * and a manifest tagged in index.json. Deterministic: same files, same digests.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ANNOTATION_REF_NAME, buildTar, sha256, type TarEntry } from "./oci-layout.js";

export interface LayerFiles {
  /** Path (no leading slash) → content; a trailing "/" makes a directory. */
  readonly [path: string]: string | Buffer;
}

export interface BuiltImage {
  readonly dir: string;
  readonly tag: string;
  readonly digest: string;
  readonly layerDigests: string[];
}

async function writeBlob(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await writeFile(join(dir, "blobs", "sha256", digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

export async function buildImageLayout(
  dir: string,
  layers: readonly LayerFiles[],
  options: { tag?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Promise<BuiltImage> {
  const tag = options.tag ?? "v1";
  await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
  const descriptors: Array<{ mediaType: string; digest: string; size: number }> = [];
  const diffIds: string[] = [];
  for (const files of layers) {
    const entries: TarEntry[] = Object.entries(files).map(([name, content]) =>
      name.endsWith("/")
        ? { name, type: "directory", mode: 0o755 }
        : { name, type: "file", mode: 0o644, content: Buffer.from(content) },
    );
    const tar = await buildTar(entries);
    diffIds.push(sha256(tar));
    const blob = await writeBlob(dir, gzipSync(tar));
    descriptors.push({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...blob });
  }
  const config = await writeBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        created: "2024-01-01T00:00:00Z",
        architecture: "amd64",
        os: "linux",
        config: { Cmd: ["/bin/sh"], ...(options.labels ? { Labels: options.labels } : {}) },
        rootfs: { type: "layers", diff_ids: diffIds },
        history: layers.map((_, i) => ({ created: "2024-01-01T00:00:00Z", created_by: `layer ${i}` })),
      }),
    ),
  );
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: descriptors,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
  const manifest = await writeBlob(dir, manifestBytes);
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { [ANNOTATION_REF_NAME]: tag },
        },
      ],
    }),
  );
  return { dir, tag, digest: manifest.digest, layerDigests: descriptors.map((d) => d.digest) };
}
