/**
 * Test support for the API tests that scan what they push (images, Grafeas): a one-layer image built
 * from a few files and an image config, and an advisory database holding one Jinja2 advisory. Not built
 * into dist/ (testing-*.ts).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { importOsv, openAdvisoryDatabase } from "../../vuln/index.js";
import { digestOf, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, pushBlob, putManifest } from "../testing.js";

const OSV = fileURLToPath(new URL("../../vuln/testdata/osv/", import.meta.url));

/** Jinja2 2.10 as pip installs it: GHSA-462w-v97r-4m45 (in `jinjaAdvisories`) matches it. */
export const JINJA_FILES: Readonly<Record<string, string>> = {
  "usr/lib/python3/dist-packages/Jinja2-2.10.dist-info/METADATA":
    "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\n",
};

/** Creates `advisories.db` in `dir` holding GHSA-462w-v97r-4m45 (Jinja2); returns its path. */
export async function jinjaAdvisories(dir: string): Promise<string> {
  const advisories = join(dir, "advisories.db");
  const db = openAdvisoryDatabase(advisories, { create: true });
  await importOsv(db, join(OSV, "handmade", "GHSA-462w-v97r-4m45.json"));
  db.close();
  return advisories;
}

/** `files` as one gzipped tar layer. */
export async function tarGz(files: Readonly<Record<string, string>>): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on("data", (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve) => packer.on("end", () => resolve()));
  for (const [name, content] of Object.entries(files)) packer.entry({ name, mode: 0o644 }, content);
  packer.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export interface FilesImage {
  readonly digest: string;
  readonly manifest: Buffer;
  /** The layer's digest. */
  readonly layer: string;
  /** Manifest, config and layer bytes added up, as the API reports an image's size. */
  readonly size: number;
}

/**
 * Pushes an OCI image of one layer holding `files`, with `config` as its image config, tagged `tag` (or
 * by digest); a refused push throws.
 */
export async function pushFilesImage(
  url: string,
  repository: string,
  files: Readonly<Record<string, string>>,
  config: Readonly<Record<string, unknown>>,
  tag?: string,
): Promise<FilesImage> {
  const layer = await tarGz(files);
  const configBytes = Buffer.from(JSON.stringify(config));
  await pushBlob(url, repository, layer);
  await pushBlob(url, repository, configBytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: digestOf(configBytes), size: configBytes.length },
      layers: [{ mediaType: OCI_LAYER, digest: digestOf(layer), size: layer.length }],
    }),
  );
  const digest = digestOf(manifest);
  const res = await putManifest(url, repository, tag ?? digest, manifest, OCI_MANIFEST);
  if (res.status !== 201) throw new Error(`pushing ${repository}: HTTP ${res.status}`);
  return {
    digest,
    manifest,
    layer: digestOf(layer),
    size: manifest.length + configBytes.length + layer.length,
  };
}
