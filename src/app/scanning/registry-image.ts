import { type ImageConfig, type OpenedManifestImage, parseManifest } from "../../oci/index.js";
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
  if (parsed.kind !== "image" || !parsed.config) return undefined;
  const configType = parsed.config.mediaType;
  if (
    configType !== "application/vnd.oci.image.config.v1+json" &&
    configType !== "application/vnd.docker.container.image.v1+json"
  ) {
    return undefined;
  }
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
