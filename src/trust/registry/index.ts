/**
 * trust/registry: the registry-facing half of trust. Resolves references to digests, stores
 * signatures and attestations by cosign's tag scheme and as OCI 1.1 Sigstore bundle referrers,
 * discovers them by both, and verifies them. The only part of trust that does network I/O, and
 * only through the oci RegistryClient.
 */
export { type CachedImage, VerificationCache } from "./cache.js";
export { type CompiledCondition, compileCondition } from "./condition.js";
export {
  type ArtifactSource,
  claimedPredicateType,
  type Discovery,
  discoverArtifacts,
  discoverWith,
  type FoundArtifact,
  type ReferrerBundle,
} from "./discover.js";
export { ArtifactReader } from "./fetch.js";
export { type ArtifactLimits, artifactLimits, DEFAULT_ARTIFACT_LIMITS } from "./limits.js";
export { loadImage } from "./load.js";
export {
  BUILD_TYPE_DOCKERFILE,
  buildProvenance,
  PREDICATE_TYPE_SLSA_V1,
  type ProvenanceInput,
} from "./provenance-build.js";
export {
  checkProvenance,
  PROVENANCE_PREDICATE_TYPES,
  type ProvenanceExpectations,
  type ProvenanceFacts,
  provenanceFacts,
} from "./provenance-check.js";
export { buildReferrer, pushReferrer, type ReferrerArtifact } from "./referrer.js";
export { PREDICATE_TYPE_COSIGN_SIGN } from "./sign-statement.js";
export { claimedSigner } from "./signer-hint.js";
export { attestImage, type StoredResult, type StoreOptions, signImage } from "./store.js";
export { type ImageTarget, resolveImage, resolveSigningTarget, type SigningTarget } from "./target.js";
export {
  type ArtifactCheck,
  type ArtifactFailure,
  type ImageVerification,
  keyFingerprint,
  type RegistryTrustAnchor,
  type VerifyAttestationOptions,
  type VerifyImageOptions,
  verifyImageAttestations,
  verifyImageSignatures,
} from "./verify.js";
