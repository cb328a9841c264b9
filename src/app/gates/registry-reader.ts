import type { Readable } from "node:stream";
import { isPortcullisError } from "../../core/index.js";
import { type Descriptor, ImageError, type RegistryClient } from "../../oci/index.js";
import { type Registry, SYSTEM_ACTOR } from "../../registry/index.js";

const NOT_FOUND = new Set(["MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN"]);

function notFound(what: string, err: unknown): never {
  if (isPortcullisError(err) && NOT_FOUND.has(err.code)) {
    throw new ImageError("IMAGE_NOT_FOUND", `${what} not found`, { cause: err });
  }
  throw err;
}

/**
 * The read half of RegistryClient over the registry service itself, for the pull gate: signatures,
 * attestations and configs are read in-process (no HTTP to ourselves, and no pull hook, since every
 * read is the system's and never a pull), and a missing manifest fails as a remote registry's 404 would
 * (ImageError IMAGE_NOT_FOUND), so trust/registry treats both alike. Writes are not offered: the gate
 * only reads.
 */
export function inProcessRegistryReader(registry: () => Registry, host: string): RegistryClient {
  const reader = {
    registry: host,
    async getManifest(repo: string, ref: string) {
      try {
        const stored = await registry().manifests.get(repo, ref, SYSTEM_ACTOR, false);
        return { bytes: stored.content, mediaType: stored.mediaType, digest: stored.digest };
      } catch (err) {
        return notFound(`manifest ${host}/${repo}:${ref}`, err);
      }
    },
    async headManifest(repo: string, ref: string) {
      try {
        const stored = await registry().manifests.get(repo, ref, SYSTEM_ACTOR, false);
        return { mediaType: stored.mediaType, digest: stored.digest, size: stored.size };
      } catch (err) {
        if (isPortcullisError(err) && NOT_FOUND.has(err.code)) return undefined;
        throw err;
      }
    },
    async getBlob(repo: string, digest: string): Promise<Readable> {
      try {
        return await registry().blobs.stream(repo, digest);
      } catch (err) {
        return notFound(`blob ${digest} in ${host}/${repo}`, err);
      }
    },
    async getReferrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
      const page = await registry().discovery.referrers(repo, digest, artifactType ? { artifactType } : {});
      return page.items.map((item) => ({ ...item }) as Descriptor);
    },
  };
  // Only the reads trust/registry and the config source use exist; anything else would be a bug here.
  return reader as unknown as RegistryClient;
}
