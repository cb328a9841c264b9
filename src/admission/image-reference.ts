import { formatImageReference, type ImageReference, parseImageReference } from "../oci/index.js";

/**
 * Container image strings normalised the way the kubelet's runtime does before pulling
 * (docker/distribution `reference.ParseNormalizedNamed` followed by `TagNameOnly`): Docker Hub short
 * names gain `docker.io/library/`, and a reference with neither tag nor digest means `:latest`.
 * A reference with a digest keeps only what it says: the runtime pulls by digest and ignores any tag.
 */

export type NormalisedImage =
  | { ok: true; reference: ImageReference; canonical: string }
  | { ok: false; error: string };

/** The tag a runtime pulls when a reference names neither a tag nor a digest. */
export const DEFAULT_TAG = "latest";

export function normaliseImage(image: string): NormalisedImage {
  if (image === "") return { ok: false, error: "the container has no image" };
  let reference: ImageReference;
  try {
    reference = parseImageReference(image);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (reference.tag === undefined && reference.digest === undefined) reference.tag = DEFAULT_TAG;
  return { ok: true, reference, canonical: formatImageReference(reference) };
}

/**
 * The reference a mutating webhook writes once `digest` was checked: `registry/repository@digest`, or
 * `registry/repository:tag@digest` when the tag is kept for people reading the object (the runtime
 * ignores it). Always fully qualified so no runtime default can change what it names.
 */
export function pinnedImage(reference: ImageReference, digest: string, keepTag: boolean): string {
  const pinned: ImageReference = { registry: reference.registry, repository: reference.repository, digest };
  if (keepTag && reference.tag !== undefined) pinned.tag = reference.tag;
  return formatImageReference(pinned);
}
