import { credentialsFromDockerConfig } from "../client/docker-config.js";
import { DEFAULT_ACCEPT, RegistryClient } from "../client/registry-client.js";
import { formatImageReference, type ImageReference } from "../reference.js";
import { type ContentSource, resolveImage } from "./resolve.js";
import type { OpenedManifestImage, OpenImageOptions } from "./types.js";

/** Opens an image from a registry: the manifest by tag or digest, then (for an index) the platform's manifest. */
export async function openRegistryImage(
  ref: ImageReference,
  options: OpenImageOptions,
): Promise<OpenedManifestImage> {
  const access = options.registry ?? {};
  const credentials =
    access.credentials ??
    (access.dockerConfig !== undefined
      ? credentialsFromDockerConfig(access.dockerConfig, ref.registry)
      : undefined);
  const client = new RegistryClient({
    registry: ref.registry,
    ...(credentials ? { credentials } : {}),
    ...(access.insecure !== undefined ? { insecure: access.insecure } : {}),
    ...(access.timeoutMs !== undefined ? { timeoutMs: access.timeoutMs } : {}),
    ...(options.maxMetadataBytes !== undefined ? { maxManifestBytes: options.maxMetadataBytes } : {}),
  });
  const repo = ref.repository;
  const root = await client.getManifest(repo, ref.digest ?? ref.tag ?? "latest", DEFAULT_ACCEPT);
  const content: ContentSource = {
    openBlob: (descriptor) => client.getBlob(repo, descriptor.digest, descriptor.size),
    verifies: true,
    async readManifest(descriptor) {
      const child = await client.getManifest(repo, descriptor.digest, DEFAULT_ACCEPT);
      return { bytes: child.bytes, mediaType: child.mediaType };
    },
    async close() {},
  };
  const reference = formatImageReference(
    ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: "latest" } : ref,
  );
  return resolveImage(content, root, options, { description: `registry ${reference}`, reference });
}
