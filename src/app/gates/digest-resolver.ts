import type { DigestResolver, TagReference } from "../../evidence/index.js";
import type { ClientFor } from "./clients.js";

/**
 * Resolves a tag with a manifest HEAD (distribution spec "Checking if content exists": the
 * Docker-Content-Digest header). A registry that omits the header costs a GET, whose bytes are hashed.
 */
export function registryDigestResolver(clientFor: ClientFor): DigestResolver {
  return {
    async resolveDigest(ref: TagReference): Promise<string> {
      const client = await clientFor(ref.registry);
      const head = await client.headManifest(ref.repository, ref.tag);
      if (!head) throw new Error(`${ref.registry}/${ref.repository}:${ref.tag}: tag not found`);
      if (head.digest) return head.digest;
      return (await client.getManifest(ref.repository, ref.tag)).digest;
    },
  };
}
