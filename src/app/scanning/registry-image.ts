import {
  type ImageConfig,
  type OpenedManifestImage,
  type ParsedManifest,
  parseManifest,
} from "../../oci/index.js";
import { type Registry, SYSTEM_ACTOR } from "../../registry/index.js";

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

async function readAll(stream: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new Error(`${what} is larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Config media types of a runnable image (image-spec config.md; Docker image manifest v2 schema 2). */
const RUNNABLE_CONFIGS: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);

/** Layer media types a container runtime unpacks (image-spec layer.md and Docker's rootfs diffs). */
const FILESYSTEM_LAYERS: ReadonlySet<string> = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.oci.image.layer.v1.tar+zstd",
  "application/vnd.oci.image.layer.nondistributable.v1.tar",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
]);

/**
 * Why a manifest is not a runnable image, or undefined when it is one. Only runnable images are
 * scanned: an index is not (its platform images are), and neither is an artifact: a manifest with
 * `artifactType`, a config of another media type (Helm, an empty config), or layers that are not file
 * systems (cosign's `.sig` and `.att` manifests carry an OCI image config over simple-signing or DSSE
 * layers). Reading those as tar layers can only fail, so they are skipped, not failed.
 */
export function notRunnableReason(parsed: ParsedManifest): string | undefined {
  if (parsed.kind === "index") return "an index (its platform images are scanned, not the index itself)";
  if (parsed.artifactType !== undefined) return `an artifact (artifactType ${parsed.artifactType})`;
  const configType = parsed.config?.mediaType;
  if (configType === undefined || !RUNNABLE_CONFIGS.has(configType))
    return `an artifact (config media type ${configType ?? "none"})`;
  const layer = (parsed.layers ?? []).find((l) => !FILESYSTEM_LAYERS.has(l.mediaType));
  if (layer) return `an artifact (layer media type ${layer.mediaType})`;
  return undefined;
}

/**
 * An image stored in our own registry, opened for the walker without HTTP: the manifest from the
 * database, layers streamed from the blob store (verified when they were pushed). Undefined when the
 * manifest is not an image (an index, or an artifact such as a signature or an SBOM).
 */
export async function openRegistryImage(
  registry: Registry,
  repository: string,
  digest: string,
): Promise<OpenedManifestImage | undefined> {
  const stored = await registry.manifests.get(repository, digest, SYSTEM_ACTOR, false);
  const parsed = parseManifest(stored.content, stored.mediaType);
  if (notRunnableReason(parsed) !== undefined || !parsed.config) return undefined;
  const configBytes = await readAll(
    await registry.blobs.stream(repository, parsed.config.digest),
    MAX_CONFIG_BYTES,
    `config ${parsed.config.digest}`,
  );
  const layers = parsed.layers ?? [];
  return {
    kind: "image",
    description: `${repository}@${digest}`,
    reference: `${repository}@${digest}`,
    digest: stored.digest,
    manifest: { parsed, bytes: stored.content, mediaType: stored.mediaType },
    config: {
      digest: parsed.config.digest,
      bytes: configBytes,
      parsed: JSON.parse(configBytes.toString("utf8")) as ImageConfig,
    },
    layers,
    openLayer: (index) => registry.blobs.stream(repository, layers[index]!.digest),
    close: async () => {},
  };
}
