import type { ImageReference, RegistryClient } from "../../oci/index.js";
import { type CachedImage, VerificationCache } from "./cache.js";
import { discoverWith } from "./discover.js";
import { ArtifactReader } from "./fetch.js";
import type { ArtifactLimits } from "./limits.js";
import { resolveImage } from "./target.js";

/**
 * Resolves an image and discovers what is attached to it, through the cache when the reference
 * names a digest (then a warm verification makes no request at all).
 */
export async function loadImage(
  client: RegistryClient,
  ref: ImageReference,
  cache?: VerificationCache,
  limits?: ArtifactLimits,
): Promise<CachedImage> {
  const key = ref.digest ? VerificationCache.key(ref.registry, ref.repository, ref.digest) : undefined;
  const hit = key && cache ? cache.get(key) : undefined;
  if (hit) return hit;
  const generation = cache?.generation;
  const target = await resolveImage(client, ref);
  const discovery = await discoverWith(new ArtifactReader(client, target.repository, limits), target.digest);
  const loaded = { target, discovery };
  cache?.set(VerificationCache.key(target.registry, target.repository, target.digest), loaded, generation);
  return loaded;
}
