export { type BlobInfo, type ByteRange, resolveRange } from "./blobs.js";
export {
  BrowseService,
  COSIGN_TAG,
  type ManifestRow,
  type RepositoryQuery,
  type RepositorySort,
  type RepositorySummary,
} from "./browse.js";
export { DEFAULT_REGISTRY_OPTIONS, type RegistryOptions } from "./context.js";
export { requireDigest } from "./digests.js";
export type { Page, ReferrerDescriptor } from "./discovery.js";
export { MAX_PAGE } from "./discovery.js";
export { RegistryError, type RegistryErrorCode } from "./errors.js";
export {
  type Actor,
  EventBus,
  type EventSink,
  type RegistryEvent,
  type RegistryEventType,
  SYSTEM_ACTOR,
} from "./events.js";
export type { GcOptions, GcReport } from "./gc.js";
export type { HookVerdict, ManifestGetContext, ManifestPutContext, RegistryHooks } from "./hooks.js";
export type { PutManifestResult, StoredManifest } from "./manifests.js";
export { requireRepositoryName } from "./names.js";
export type { PullRecorderOptions } from "./pulls.js";
export { Registry, type RegistryDependencies } from "./registry.js";
export type {
  FollowerRelation,
  InventoryManifest,
  InventoryRepository,
  PlannedArtifact,
  RetentionPlan,
} from "./retention/plan.js";
export {
  parseRetentionPolicy,
  type RetentionPolicy,
  type RetentionPolicyInput,
  RetentionPolicySchema,
  type RetentionRule,
} from "./retention/policy.js";
export type { RetentionRun } from "./retention/service.js";
export {
  immutableTagRule,
  immutableTagRuleProblem,
  MAX_IMMUTABLE_TAG_RULES,
  type ProjectStorageRules,
  projectOfRepository,
  type StorageRules,
} from "./rules.js";
export type { Body, UploadStatus } from "./uploads.js";
