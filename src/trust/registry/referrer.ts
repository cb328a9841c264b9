import { digestOf } from "../../core/index.js";
import {
  type Descriptor,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  parseManifest,
  type RegistryClient,
} from "../../oci/index.js";
import { TrustError } from "../errors.js";
import { getManifestIfPresent } from "./fetch.js";

const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** image-spec manifest.md "Guidance for an empty descriptor": the two bytes `{}`. */
const EMPTY_CONFIG = Buffer.from("{}", "utf8");

/** cosign specs/BUNDLE_SPEC.md "Annotations": what a bundle referrer holds, for listing without fetching it. */
export const ANNOTATION_BUNDLE_CONTENT = "dev.sigstore.bundle.content";
export const ANNOTATION_BUNDLE_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType";
export const ANNOTATION_CREATED = "org.opencontainers.image.created";

export interface ReferrerArtifact {
  manifest: Buffer;
  digest: string;
  /** The descriptor a referrers index lists for it (artifactType and annotations copied up). */
  descriptor: Descriptor;
  layer: Descriptor;
}

/**
 * An OCI 1.1 artifact manifest referring to `subject` (cosign specs/BUNDLE_SPEC.md "Publishing"):
 * artifactType and the single layer carry the blob's media type, the config is the empty
 * descriptor, and the annotations say what the blob holds.
 */
export function buildReferrer(
  blob: Buffer,
  blobMediaType: string,
  subject: Descriptor,
  annotations: Record<string, string>,
): ReferrerArtifact {
  const layer: Descriptor = { mediaType: blobMediaType, digest: digestOf(blob), size: blob.length };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      artifactType: blobMediaType,
      config: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: digestOf(EMPTY_CONFIG), size: EMPTY_CONFIG.length },
      layers: [layer],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
    "utf8",
  );
  const digest = digestOf(manifest);
  return {
    manifest,
    digest,
    layer,
    descriptor: {
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
      digest,
      size: manifest.length,
      artifactType: blobMediaType,
      annotations,
    },
  };
}

/**
 * Pushes a referrer: blobs, then the manifest by digest. A registry with the referrers API answers
 * with an `OCI-Subject` header (distribution-spec spec.md "Pushing Manifests with Subject"); one
 * without it does not, and the client must then add the manifest to the image index tagged
 * `<alg>-<hex>` itself (the "referrers tag schema"), keeping what is already listed there.
 */
export async function pushReferrer(
  client: RegistryClient,
  repository: string,
  artifact: ReferrerArtifact,
  blob: Buffer,
  subjectDigest: string,
): Promise<{ usedTagSchema: boolean }> {
  await client.pushBlob(repository, { data: EMPTY_CONFIG });
  await client.pushBlob(repository, { data: blob });
  const res = await client.request("PUT", `/v2/${repository}/manifests/${artifact.digest}`, {
    scopes: [`repository:${repository}:pull,push`],
    headers: { "Content-Type": MEDIA_TYPE_OCI_MANIFEST },
    body: () => artifact.manifest,
  });
  if (res.status !== 201) {
    const text = (await res.text()).slice(0, 300);
    throw new TrustError(
      "MANIFEST_INVALID",
      `${client.registry}/${repository} refused the referrer manifest (${res.status}): ${text}`,
    );
  }
  const subjectHeader = res.headers.get("oci-subject");
  await res.body?.cancel();
  if (subjectHeader !== null) return { usedTagSchema: false };
  await addToReferrersTag(client, repository, subjectDigest, artifact.descriptor);
  return { usedTagSchema: true };
}

async function addToReferrersTag(
  client: RegistryClient,
  repository: string,
  subjectDigest: string,
  descriptor: Descriptor,
): Promise<void> {
  const tag = subjectDigest.replace(":", "-");
  const existing = await getManifestIfPresent(client, repository, tag, [MEDIA_TYPE_OCI_INDEX]);
  const manifests = existing ? parseManifest(existing.bytes, existing.mediaType).manifests : [];
  if (manifests.some((m) => m.digest === descriptor.digest)) return;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE_OCI_INDEX,
      manifests: [...manifests, descriptor],
    }),
    "utf8",
  );
  await client.putManifest(repository, tag, index, MEDIA_TYPE_OCI_INDEX);
}
