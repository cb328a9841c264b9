import type { DigestRelations, EvidenceSubject, RelationSource } from "../../evidence/index.js";
import {
  DEFAULT_PLATFORM,
  formatPlatform,
  isIndexMediaType,
  type Platform,
  parseManifest,
  pickManifest,
} from "../../oci/index.js";
import type { ClientFor } from "./clients.js";

export interface RelationSourceOptions {
  /** The platform whose image an index runs (linux/amd64 by default). */
  readonly platform?: Platform;
  /**
   * The indexes that list a digest, where the registry can tell (its own manifest references); a remote
   * registry cannot be asked, so there an image stands alone.
   */
  readonly parents?: (repository: string, digest: string) => Promise<readonly string[]>;
}

/**
 * A digest's bindings read from its registry: an index runs its platform image (config and scan are
 * that image's, and a signature over that image vouches for the index), and an image is vouched for by
 * the indexes that list it. A HEAD tells an index from an image; only an index costs a GET.
 */
export function registryRelationSource(
  clientFor: ClientFor,
  options: RelationSourceOptions = {},
): RelationSource {
  const platform = options.platform ?? DEFAULT_PLATFORM;
  return {
    async relations(subject: EvidenceSubject): Promise<DigestRelations> {
      const client = await clientFor(subject.registry);
      const name = `${subject.registry}/${subject.repository}@${subject.digest}`;
      const head = await client.headManifest(subject.repository, subject.digest);
      // A digest the registry does not hold stands alone: the config source reports it missing.
      if (!head) return { imageDigest: subject.digest, boundDigests: [] };
      // A registry may answer HEAD without a Content-Type: then the manifest itself says what it is.
      if (head.mediaType === undefined || head.mediaType === "" || isIndexMediaType(head.mediaType)) {
        const fetched = await client.getManifest(subject.repository, subject.digest);
        const parsed = parseManifest(fetched.bytes, fetched.mediaType);
        if (parsed.kind === "index") {
          const child = pickManifest(parsed.manifests, platform); // as openImage picks it
          if (!child) throw new Error(`${name} is an index without an image for ${formatPlatform(platform)}`);
          return { imageDigest: child.digest, boundDigests: [child.digest] };
        }
      }
      const parents = options.parents ? await options.parents(subject.repository, subject.digest) : [];
      return { imageDigest: subject.digest, boundDigests: parents.filter((d) => d !== subject.digest) };
    },
  };
}
