/**
 * Media types of the OCI Image Spec 1.1 and of the Docker image formats that registries still carry.
 * Comparisons are exact: a manifest's `mediaType` field must carry the type verbatim. (An HTTP
 * Content-Type header is normalised by `parseManifest` before it is compared.)
 */

export const MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_TYPE_OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MEDIA_TYPE_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const MEDIA_TYPE_OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const MEDIA_TYPE_OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE =
  "application/vnd.oci.image.layer.nondistributable.v1.tar";
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP =
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
export const MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD =
  "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/** The empty JSON object `{}` (digest sha256:44136fa3…, size 2), the config of artifacts that have none. */
export const MEDIA_TYPE_OCI_EMPTY = "application/vnd.oci.empty.v1+json";

export const MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const MEDIA_TYPE_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const MEDIA_TYPE_DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const MEDIA_TYPE_DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/** Docker image manifest schema 1 (signed and unsigned): recognised only so it can be refused clearly. */
export const MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
export const MEDIA_TYPE_DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";

/** The manifest media types Portcullis accepts. */
export const MANIFEST_MEDIA_TYPES = [
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
] as const;

export type ManifestMediaType = (typeof MANIFEST_MEDIA_TYPES)[number];

const MANIFEST_SET: ReadonlySet<string> = new Set(MANIFEST_MEDIA_TYPES);
const NON_DISTRIBUTABLE_SET: ReadonlySet<string> = new Set([
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
]);

/** One of the four supported manifest types (image manifests and indexes, OCI and Docker). */
export function isManifestMediaType(mediaType: string): mediaType is ManifestMediaType {
  return MANIFEST_SET.has(mediaType);
}

/** An OCI image manifest or a Docker schema 2 manifest. */
export function isImageManifestMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST;
}

/** An OCI image index or a Docker manifest list. */
export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

export function isDockerSchema1MediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED || mediaType === MEDIA_TYPE_DOCKER_SCHEMA1;
}

/**
 * Layers whose blobs may legitimately be absent from a registry (OCI non-distributable layers, Docker
 * foreign layers): a registry must not demand them on manifest push.
 */
export function isNonDistributable(mediaType: string): boolean {
  return NON_DISTRIBUTABLE_SET.has(mediaType);
}

/**
 * RFC 6838 `type "/" subtype` (restricted-name: a letter or digit, then up to 126 of
 * `A-Za-z0-9!#$&^_.+-`), without parameters; the pattern of the image spec's descriptor JSON schema.
 */
const MEDIA_TYPE_GRAMMAR = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Loose RFC 6838 check, as the image spec applies to descriptor `mediaType` and `artifactType`. */
export function isValidMediaType(mediaType: string): boolean {
  return typeof mediaType === "string" && MEDIA_TYPE_GRAMMAR.test(mediaType);
}
