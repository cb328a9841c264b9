export {
  type ApprovedBase,
  type ApprovedBaseVerdict,
  checkApprovedBase,
  normalisedRepository,
} from "./approved-bases.js";
export { type Credentials, credentialsFromDockerConfig } from "./client/docker-config.js";
export { isLoopback } from "./client/endpoint.js";
export {
  type BlobPush,
  DEFAULT_ACCEPT,
  type FetchedManifest,
  type ManifestHead,
  RegistryClient,
  type RegistryClientOptions,
} from "./client/registry-client.js";
export type { Descriptor, Platform } from "./descriptor.js";
export { ImageError, type ImageErrorCode, OciError, type OciErrorCode } from "./errors.js";
export type { FileInfo, FileKind, FileReducer, FileSelector } from "./image/files.js";
export {
  DEFAULT_WALK_LIMITS,
  type FileConsumer,
  type WalkLimits,
  type WalkOptions,
  type WalkProgress,
} from "./image/options.js";
export { DEFAULT_READ_FILES_LIMITS, type ReadFilesLimits, readImageFiles } from "./image/read-files.js";
export { type LayerInfo, SquashedFileSystem } from "./image/squashed.js";
export {
  MAX_RUNTIME_ID,
  parseUserSpec,
  type ResolvedUser,
  resolveUser,
  type UserPart,
  type UserSpec,
  uidNeedsLookup,
} from "./image/users.js";
export { type WalkableImage, walkImage } from "./image/walk.js";
export { walkDirectory } from "./image/walk-directory.js";
export { WALK_DATA_DROPPED, type WalkWarningCode, type WarnFn } from "./image/warnings.js";
export {
  manifestArtifactType,
  type ParsedManifest,
  parseManifest,
  referencedBlobs,
  referencedManifests,
} from "./manifest.js";
export {
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isNonDistributable,
  isValidMediaType,
  MANIFEST_MEDIA_TYPES,
  type ManifestMediaType,
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_DOCKER_SCHEMA1,
  MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_EMPTY,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  MEDIA_TYPE_OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  MEDIA_TYPE_OCI_LAYER_ZSTD,
} from "./media-types.js";
export {
  checkRepositoryName,
  checkTag,
  isValidRepositoryName,
  isValidTag,
  type ManifestReference,
  parseManifestReference,
  REPOSITORY_NAME_MAX_LENGTH,
  TAG_MAX_LENGTH,
} from "./names.js";
export {
  formatImageReference,
  type ImageReference,
  type ParseImageReferenceOptions,
  parseImageReference,
} from "./reference.js";
export { openImage } from "./sources/open-image.js";
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  parsePlatform,
  pickManifest,
  platformMatches,
} from "./sources/platform.js";
export {
  couldSelect,
  isAttestationManifest,
  platformAsWritten,
  selectableManifests,
} from "./sources/selectable.js";
export type {
  HistoryEntry,
  ImageConfig,
  OpenedDirectory,
  OpenedImage,
  OpenedManifestImage,
  OpenImageOptions,
} from "./sources/types.js";
