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
export interface SigningTarget {
  registry: string;
  repository: string;
  digest: string;
  /** The manifest's media type and size: what a referrer's `subject` descriptor records. */
  mediaType: string;
  size: number;
  /** `registry/repository`: what a simple-signing payload's docker-reference names. */
  dockerReference: string;
  /** The reference as the user wrote it, normalised, for messages. */
  display: string;
}

/** A signing target with the manifest itself, which verifying message-signature bundles needs. */
export interface ImageTarget extends SigningTarget {
  /** The manifest as fetched: its bytes hash to `digest`. */
  manifest: FetchedManifest;
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
    mediaType: manifest.mediaType,
    size: manifest.bytes.length,
    manifest,
    dockerReference: `${ref.registry}/${ref.repository}`,
    display: formatImageReference(ref),
  };
}

/**
 * What signing needs of an image — digest, media type, size — from a HEAD request, so an image a pull
 * policy does not serve yet (because it is unsigned) can still be signed; falls back to GET when the
 * registry's HEAD answer carries no digest.
 */
export async function resolveSigningTarget(
  client: RegistryClient,
  ref: ImageReference,
): Promise<SigningTarget> {
  const head = await client.headManifest(ref.repository, ref.digest ?? ref.tag ?? "latest");
  if (!head?.digest || head.size <= 0 || (ref.digest !== undefined && head.digest !== ref.digest)) {
    return resolveImage(client, ref);
  }
  return {
    registry: ref.registry,
    repository: ref.repository,
    digest: head.digest,
    mediaType: head.mediaType,
    size: head.size,
    dockerReference: `${ref.registry}/${ref.repository}`,
    display: formatImageReference(ref),
  };
}

/** The subject descriptor of a referrer pointing at this image (OCI image-spec manifest.md "subject"). */
export function subjectOf(target: SigningTarget): { mediaType: string; digest: string; size: number } {
  return {
    mediaType: target.mediaType,
    digest: target.digest,
    size: target.size,
  };
}
