import {
  type FetchedManifest,
  formatImageReference,
  ImageError,
  type ImageReference,
  type RegistryClient,
} from "../../oci/index.js";

/**
 * The image a signature or attestation is about, pinned to its digest. cosign resolves a tag once
 * and signs the digest it got (cosign sign: "we only actually sign the digest"): signing a tag
 * would let whoever moves the tag inherit the signature.
 */
export interface ImageTarget {
  registry: string;
  repository: string;
  digest: string;
  /** The manifest as fetched: its bytes hash to `digest`. */
  manifest: FetchedManifest;
  /** `registry/repository`: what a simple-signing payload's docker-reference names. */
  dockerReference: string;
  /** The reference as the user wrote it, normalised, for messages. */
  display: string;
}

/**
 * Fetches the manifest a reference names and returns it with its digest. A reference with both a
 * tag and a digest is resolved by the digest (the tag is only informative, as in docker).
 */
export async function resolveImage(client: RegistryClient, ref: ImageReference): Promise<ImageTarget> {
  if (ref.registry !== client.registry) {
    throw new ImageError(
      "REGISTRY_ERROR",
      `reference ${formatImageReference(ref)} is not on registry ${client.registry}`,
    );
  }
  const manifest = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? "latest");
  return {
    registry: ref.registry,
    repository: ref.repository,
    digest: manifest.digest,
    manifest,
    dockerReference: `${ref.registry}/${ref.repository}`,
    display: formatImageReference(ref),
  };
}

/** The subject descriptor of a referrer pointing at this image (OCI image-spec manifest.md "subject"). */
export function subjectOf(target: ImageTarget): { mediaType: string; digest: string; size: number } {
  return {
    mediaType: target.manifest.mediaType,
    digest: target.digest,
    size: target.manifest.bytes.length,
  };
}
