import { type ParsedManifest, selectableManifests } from "../../oci/index.js";

/** The image manifest types the gates judge (OCI image-spec, Docker schema 2). */
export const IMAGE_MANIFEST_TYPES = new Set([
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
]);
const IMAGE_CONFIG_TYPES = new Set([
  "application/vnd.oci.image.config.v1+json",
  "application/vnd.docker.container.image.v1+json",
]);
/** OCI image-spec layer types and Docker's rootfs layers; anything else in `layers` is artifact content. */
const IMAGE_LAYER = /^application\/vnd\.(oci\.image\.layer\.|docker\.image\.rootfs\.)/;
/** cosign's tag scheme for signatures, attestations and SBOMs of a digest (`sha256-<hex>.sig`). */
const SIGSTORE_TAG = /^sha256-[0-9a-f]{64}(\.[a-z]+)?$/;

/**
 * Whether a manifest is an image the gates judge. Not an image: indexes (the push gate judges each
 * image when it is pushed; the pull gate judges an index by its images, isGatedIndex), referrers (a `subject`, distribution-spec 1.1), OCI
 * artifacts (`artifactType`, or a config that is not an image config: image-spec manifest.md
 * "Guidelines for Artifact Usage"), and cosign's tag-scheme signatures and attestations, which use an
 * image config but carry no image layers.
 */
export function isGatedImage(parsed: ParsedManifest, tags: readonly string[] = []): boolean {
  if (parsed.kind !== "image" || !IMAGE_MANIFEST_TYPES.has(parsed.mediaType)) return false;
  if (parsed.subject || parsed.artifactType) return false;
  if (!parsed.config || !IMAGE_CONFIG_TYPES.has(parsed.config.mediaType)) return false;
  if (tags.length > 0 && tags.every((t) => SIGSTORE_TAG.test(t))) return false;
  if (parsed.layers.length > 0 && !parsed.layers.some((l) => IMAGE_LAYER.test(l.mediaType))) return false;
  return true;
}

/**
 * Whether the pull gate judges an index: one that is not a referrer and lists an image a runtime could
 * run. It is judged by every such image (index-judging.ts), so a client that reads the index to pick
 * one is refused when any of them fails, whatever its platform matcher picks; each image it then
 * fetches is judged again on its own.
 */
export function isGatedIndex(parsed: ParsedManifest): boolean {
  return parsed.kind === "index" && !parsed.subject && selectableManifests(parsed.manifests).length > 0;
}
