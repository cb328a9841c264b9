import type { Readable } from "node:stream";
import { isPortcullisError } from "../core/index.js";
import type { Descriptor } from "../oci/index.js";
import { type Actor, MAX_PAGE, type Registry } from "../registry/index.js";
import type { EndpointManifest, RegistryEndpoint } from "./endpoint.js";

const ABSENT = new Set(["MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN"]);
const absent = (err: unknown) => isPortcullisError(err) && ABSENT.has(err.code);

/**
 * This Portcullis, in-process: no HTTP to ourselves and no credentials of our own. Writes go through
 * the registry service as `actor` (a `replication:<rule>` system actor), so they pass the same push
 * gates, quotas and immutable tags as any push, and the events they raise say where they came from:
 * the push trigger ignores them, which is half of what keeps two sites from looping.
 */
export function localEndpoint(registry: Registry, actor: Actor): RegistryEndpoint {
  return {
    name: "local",
    async repositories() {
      const names: string[] = [];
      let last: string | undefined;
      do {
        const page = await registry.discovery.catalog({ n: MAX_PAGE, ...(last ? { last } : {}) });
        names.push(...page.items);
        last = page.next;
      } while (last !== undefined);
      return names;
    },
    async tags(repository) {
      const names: string[] = [];
      let last: string | undefined;
      try {
        do {
          const page = await registry.discovery.tags(repository, { n: MAX_PAGE, ...(last ? { last } : {}) });
          names.push(...page.items);
          last = page.next;
        } while (last !== undefined);
      } catch (err) {
        if (absent(err)) return [];
        throw err;
      }
      return names;
    },
    async resolve(repository, reference) {
      try {
        return (await registry.manifests.get(repository, reference, actor, false)).digest;
      } catch (err) {
        if (absent(err)) return undefined;
        throw err;
      }
    },
    async getManifest(repository, reference): Promise<EndpointManifest> {
      const stored = await registry.manifests.get(repository, reference, actor, false);
      return { bytes: stored.content, mediaType: stored.mediaType, digest: stored.digest };
    },
    async putManifest(repository, reference, bytes, mediaType) {
      await registry.manifests.put(repository, reference, bytes, mediaType, [], actor);
    },
    async deleteManifest(repository, digest) {
      try {
        await registry.manifests.delete(repository, digest, actor);
      } catch (err) {
        if (!absent(err)) throw err;
      }
    },
    async hasBlob(repository, digest) {
      try {
        await registry.blobs.stat(repository, digest);
        return true;
      } catch (err) {
        if (absent(err)) return false;
        throw err;
      }
    },
    getBlob: (repository, digest) => registry.blobs.stream(repository, digest),
    async mountBlob(repository, digest, from) {
      try {
        return (await registry.blobs.mount(repository, digest, from, actor)) !== undefined;
      } catch (err) {
        if (absent(err)) return false;
        throw err;
      }
    },
    async putBlob(repository, digest, _size, open: () => Readable) {
      await registry.uploads.putMonolithic(repository, digest, open());
    },
    async referrers(repository, digest): Promise<Descriptor[]> {
      const page = await registry.discovery.referrers(repository, digest, { n: MAX_PAGE });
      return page.items.map((item) => ({ ...item }));
    },
    indexesReferrers: async () => true,
  };
}
