export {
  type ArtifactKind,
  type ArtifactOutcome,
  type ArtifactResult,
  cosignTag,
  ImageCopier,
} from "./copy.js";
export type { EndpointManifest, RegistryEndpoint } from "./endpoint.js";
export { ReplicationError, type ReplicationErrorCode } from "./errors.js";
export { localEndpoint } from "./local.js";
export { remoteEndpoint } from "./remote.js";
export {
  type CompiledFilters,
  compileFilters,
  isArtifactTag,
  type ReplicationFilters,
} from "./rule.js";
export { type RunOptions, type RunScope, type RunSummary, replicate } from "./run.js";
