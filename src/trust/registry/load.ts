import type { ImageReference, RegistryClient } from "../../oci/index.js";
import { type CachedImage, VerificationCache } from "./cache.js";
import { discoverArtifacts } from "./discover.js";
import { resolveImage } from "./target.js";

/**
 * Resolves an image and discovers what is attached to it, through the cache when the reference
 * names a digest (then a warm verification makes no request at all).
 */
export async function loadImage(
  client: RegistryClient,
  ref: ImageReference,
  cache?: VerificationCache,
): Promise<CachedImage> {
  const key = ref.digest ? VerificationCache.key(ref.registry, ref.repository, ref.digest) : undefined;
  const hit = key && cache ? cache.get(key) : undefined;
  if (hit) return hit;
  const target = await resolveImage(client, ref);
  const discovery = await discoverArtifacts(client, target.repository, target.digest);
  const loaded = { target, discovery };
  cache?.set(VerificationCache.key(target.registry, target.repository, target.digest), loaded);
  return loaded;
}
