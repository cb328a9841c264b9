/**
 * evidence/: gathers the facts the policy engine reads about a digest (image config, signatures,
 * attestations, the latest scan) through ports that app/ injects, concurrently, with timeouts and a
 * bounded cache. No policy here: failures are recorded, and the policy decides what they mean.
 */
export { type CachedSource, EvidenceCache, type EvidenceCacheOptions } from "./cache.js";
export { EvidenceError, type EvidenceErrorCode } from "./errors.js";
export type {
  AttestationEvidence,
  BaseImageEvidence,
  EvidenceFailure,
  EvidenceSourceName,
  GatheredFacts,
  ImageConfigEvidence,
  ImageUserEvidence,
  OccurrenceEvidence,
  ScanEvidence,
  SignatureEvidence,
  SignerEvidence,
} from "./facts.js";
export {
  ANNOTATION_BASE_DIGEST,
  ANNOTATION_BASE_NAME,
  baseImageOf,
  type GatherOptions,
  gatherFacts,
  type RelationReadOptions,
  readRelations,
} from "./gather.js";
export type {
  AttestationVerifier,
  DigestRelations,
  EvidencePorts,
  EvidenceSubject,
  ImageConfigSource,
  ImageUserSource,
  OccurrenceSource,
  RelationSource,
  ScanReportSource,
  SignatureVerifier,
} from "./ports.js";
export {
  type DigestResolver,
  type RequestResolverOptions,
  type Resolution,
  requestDigestResolver,
  type TagReference,
} from "./resolve.js";
