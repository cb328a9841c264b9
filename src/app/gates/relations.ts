import type { DigestRelations, EvidenceSubject, RelationSource } from "../../evidence/index.js";
import { isIndexMediaType, parseManifest } from "../../oci/index.js";
import type { ClientFor } from "./clients.js";

export interface RelationSourceOptions {
  /**
   * The indexes that list a digest, where the registry can tell (its own manifest references); a remote
   * registry cannot be asked, so there an image stands alone.
   */
  readonly parents?: (repository: string, digest: string) => Promise<readonly string[]>;
}

/**
 * A digest's bindings read from its registry: an index lists its entries as written (the gate judges
 * every one a runtime could select, with the index's signatures vouching for them), and an image is
 * vouched for by the indexes that list it. A HEAD tells an index from an image; only an index costs a
 * GET, by digest, so the entries are the ones the index's digest names.
 */
export function registryRelationSource(
  clientFor: ClientFor,
  options: RelationSourceOptions = {},
): RelationSource {
  return {
    async relations(subject: EvidenceSubject): Promise<DigestRelations> {
      const client = await clientFor(subject.registry);
      const head = await client.headManifest(subject.repository, subject.digest);
      // A digest the registry does not hold stands alone: the config source reports it missing.
      if (!head) return { imageDigest: subject.digest, boundDigests: [] };
      // A registry may answer HEAD without a Content-Type: then the manifest itself says what it is.
      if (head.mediaType === undefined || head.mediaType === "" || isIndexMediaType(head.mediaType)) {
        const fetched = await client.getManifest(subject.repository, subject.digest);
        const parsed = parseManifest(fetched.bytes, fetched.mediaType);
        if (parsed.kind === "index") {
          const { manifests, annotations } = parsed;
          const index = Object.keys(annotations).length > 0 ? { manifests, annotations } : { manifests };
          return { imageDigest: subject.digest, boundDigests: [], index };
        }
      }
      const parents = options.parents ? await options.parents(subject.repository, subject.digest) : [];
      return { imageDigest: subject.digest, boundDigests: parents.filter((d) => d !== subject.digest) };
    },
  };
}
