import type { EvidenceSubject, ImageConfigSource } from "../../evidence/index.js";
import { DEFAULT_PLATFORM, type Platform } from "../../oci/index.js";
import { type Registry, SYSTEM_ACTOR } from "../../registry/index.js";
import { type ConfigReads, readImageConfig } from "./image-config.js";

/** A manifest being pushed: the push gate decides before it is stored, so it is not readable yet. */
export interface PendingManifest {
  readonly content: Buffer;
  readonly mediaType: string;
}

/**
 * The config of a digest read from this server's own registry service, without HTTP: the manifest (the
 * pending one while it is being pushed; for an index the child for `platform`, which a client pushes
 * before the index), then its config blob. Labels and User come from the config's `config` object, and
 * annotations from the manifest over the index's (OCI image-spec config.md, manifest.md), as
 * registryImageConfigSource reads them from a remote registry (both through readImageConfig).
 */
export function registryServiceConfigSource(
  registry: () => Registry,
  pending: (digest: string) => PendingManifest | undefined = () => undefined,
  platform: Platform = DEFAULT_PLATFORM,
): ImageConfigSource {
  const reads = registryServiceReads(registry, pending);
  return { imageConfig: (subject: EvidenceSubject) => readImageConfig(reads, subject, platform) };
}

/**
 * The two reads over this server's own registry service: the pending manifest during a push (its
 * blobs are stored before it), else the stored one; blobs from the blob store, verified when pushed.
 */
export function registryServiceReads(
  registry: () => Registry,
  pending: (digest: string) => PendingManifest | undefined = () => undefined,
): ConfigReads {
  return {
    async manifest(repository, digest) {
      const found =
        pending(digest) ?? (await registry().manifests.get(repository, digest, SYSTEM_ACTOR, false));
      return { bytes: found.content, mediaType: found.mediaType };
    },
    blob: (repository, digest) => registry().blobs.stream(repository, digest),
  };
}
